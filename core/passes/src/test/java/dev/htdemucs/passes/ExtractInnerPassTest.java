package dev.htdemucs.passes;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.GraphPass;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExtractInnerPassTest {
    private static final int L = 64, NFFT = 16, HOP = 4;

    /** mix → stft → ×0.5 → [1,1,4,8,16] → istft; mix → ×2 → [1,1,2,64]; output = istft + wave; plus a dead branch. */
    private static Graph fullGraph(boolean istftFeedsAdd) {
        GraphBuilder g = new GraphBuilder("toy");
        Value mix = g.input("mix", TensorType.f32(1, 2, L));
        Value spec = g.op("stft", "stft", Attributes.of("n_fft", NFFT, "hop", HOP), mix);
        Value half = g.op("mul", "half", null, spec, g.scalar("half.factor", 0.5f));
        Value specOut = g.op("reshape", "spec_out", Attributes.of("shape", new int[]{1, 1, 4, 8, 16}), half);
        Value doubled = g.op("mul", "double", null, mix, g.scalar("double.factor", 2f));
        Value wave = g.op("reshape", "wave", Attributes.of("shape", new int[]{1, 1, 2, L}), doubled);
        g.op("sqrt", "dead", null, doubled);
        Value istft = g.op("istft", "istft", Attributes.of("n_fft", NFFT, "hop", HOP, "length", L), specOut);
        Value out = istftFeedsAdd ? g.op("add", "output", null, istft, wave) : g.op("mul", "output", null, wave, istft);
        return g.output("output", out).build();
    }

    private static LoadedModel model(Graph g) {
        return new LoadedModel(g, LoweringPassesTest.METADATA);
    }

    @Test
    void isRegistered() throws PluginException {
        assertInstanceOf(ExtractInnerPass.class, Plugins.fromClassPath().get(GraphPass.class, "extract-inner"));
    }

    @Test
    void cutsAtTheBoundaryAndDropsDeadNodes() throws PluginException {
        Graph inner = new ExtractInnerPass().apply(model(fullGraph(true)), Options.NONE).graph();
        new GraphValidator().validate(inner);
        assertEquals(List.of("mix", "spec"), inner.inputNames());
        assertEquals(TensorType.f32(1, 4, 8, 16), inner.input("spec").type());
        assertEquals(List.of("spec_out", "wave_out"), List.copyOf(inner.outputs().keySet()));
        assertEquals(Map.of("const", 2, "mul", 2, "reshape", 2), inner.opHistogram(), "no stft, istft, add or dead sqrt");

        Tensor mix = Reference.random(7, 1, 2, L);
        Tensor spec = Reference.random(8, 1, 4, 8, 16);
        Map<String, Tensor> out = Reference.run(inner, Map.of("mix", mix, "spec", spec));
        float[] s = spec.toFloatArray(), so = out.get("spec_out").toFloatArray();
        for (int i = 0; i < s.length; i++) assertEquals(0.5f * s[i], so[i]);
        float[] m = mix.toFloatArray(), wo = out.get("wave_out").toFloatArray();
        for (int i = 0; i < m.length; i++) assertEquals(2f * m[i], wo[i]);
        assertArrayEquals(new int[]{1, 1, 2, L}, out.get("wave_out").shape());
    }

    @Test
    void innerGraphPassesThroughUnchanged() throws PluginException {
        LoadedModel once = new ExtractInnerPass().apply(model(fullGraph(true)), Options.NONE);
        assertSame(once, new ExtractInnerPass().apply(once, Options.NONE));
    }

    @Test
    void otherGraphsAreRefusedWithTheReason() {
        GraphBuilder g = new GraphBuilder("plain");
        Value x = g.input("x", TensorType.f32(2));
        Graph plain = g.output("y", g.op("sqrt", "root", null, x)).build();
        PluginException e = assertThrows(PluginException.class, () -> new ExtractInnerPass().apply(model(plain), Options.NONE));
        assertTrue(e.getMessage().contains("neither stft nor istft") && e.getMessage().contains("[x]"), e.getMessage());

        e = assertThrows(PluginException.class, () -> new ExtractInnerPass().apply(model(fullGraph(false)), Options.NONE));
        assertTrue(e.getMessage().contains("expected exactly one add") && e.getMessage().contains("output (mul)"), e.getMessage());
    }

    @Test
    void twoStftsAreAmbiguous() {
        GraphBuilder g = new GraphBuilder("two");
        Value mix = g.input("mix", TensorType.f32(1, 2, L));
        Value a = g.op("stft", "stft_a", Attributes.of("n_fft", NFFT, "hop", HOP), mix);
        Value b = g.op("stft", "stft_b", Attributes.of("n_fft", NFFT, "hop", HOP), mix);
        Graph two = g.output("a", a).output("b", b).build();
        PluginException e = assertThrows(PluginException.class, () -> new ExtractInnerPass().apply(model(two), Options.NONE));
        assertTrue(e.getMessage().contains("2 stft") && e.getMessage().contains("stft_b"), e.getMessage());
    }
}

package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.pytorch.checkpoint.Checkpoint;
import dev.htdemucs.pytorch.checkpoint.StoredTensor;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every disagreement between kwargs and state dict is an error naming the tensor and both shapes. */
class StateDictErrorsTest {
    private static Checkpoint tiny6;

    @BeforeAll
    static void open() throws IOException {
        tiny6 = Checkpoint.open(Golden.tiny6().file("model.th"));
    }

    private static Map<String, Tensor> state() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : tiny6.state().entrySet()) m.put(e.getKey(), e.getValue().toTensor());
        return m;
    }

    private static Map<String, Object> kwargs(Object... overrides) {
        Map<String, Object> m = new LinkedHashMap<>(tiny6.kwargs());
        for (int i = 0; i < overrides.length; i += 2) m.put((String) overrides[i], overrides[i + 1]);
        return m;
    }

    private static String buildError(Map<String, Object> kwargs, Map<String, Tensor> state) {
        PluginException e = assertThrows(PluginException.class,
                () -> HTDemucsGraphBuilder.buildInner(HTDemucsConfig.fromArguments(tiny6.args(), kwargs), state));
        return e.getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "message should mention '" + p + "': " + message);
    }

    @Test
    void unchangedStateBuilds() throws PluginException {
        HTDemucsGraphBuilder.buildInner(HTDemucsConfig.fromArguments(tiny6.args(), kwargs()), state());
    }

    @Test
    void missingKeyIsNamedWithItsExpectedShape() {
        Map<String, Tensor> s = state();
        s.remove("encoder.1.conv.weight");
        assertMentions(buildError(kwargs(), s), "no tensor 'encoder.1.conv.weight'", "[16, 8, 8, 1]");
    }

    @Test
    void wrongShapeIsNamedWithExpectedAndFound() {
        Map<String, Tensor> s = state();
        s.put("crosstransformer.layers.0.linear1.weight", Tensor.zeros(TensorType.of(DType.FLOAT16, 383, 96)));
        assertMentions(buildError(kwargs(), s), "'crosstransformer.layers.0.linear1.weight'", "[383, 96]", "[384, 96]");
    }

    @Test
    void unusedKeyIsNamed() {
        Map<String, Tensor> s = state();
        s.put("decoder.9.conv_tr.weight", Tensor.zeros(TensorType.of(DType.FLOAT16, 4, 4)));
        assertMentions(buildError(kwargs(), s), "does not use", "decoder.9.conv_tr.weight");
    }

    @Test
    void kwargsDisagreeingWithTheWeightsAreCaughtAtTheFirstTensor() {
        // the time branch is built first, so its first conv is the first tensor checked
        assertMentions(buildError(kwargs("channels", 16L), state()), "'tencoder.0.conv.weight'", "[8, 2, 8]", "[16, 2, 8]");
        assertMentions(buildError(kwargs("t_layers", 3L), state()), "no tensor 'crosstransformer.layers.2.");
        assertMentions(buildError(kwargs("t_layers", 1L), state()), "does not use", "crosstransformer.layers.1.cross_attn.in_proj_weight");
        assertMentions(buildError(kwargs("dconv_mode", 1L), state()), "does not use", "decoder.0.dconv.layers.0.0.weight");
    }

    @Test
    void unsupportedKwargIsNamedWithItsValue() {
        PluginException e = assertThrows(PluginException.class,
                () -> HTDemucsConfig.fromArguments(tiny6.args(), kwargs("t_emb", "cape")));
        assertMentions(e.getMessage(), "unsupported: t_emb=cape");
    }
}

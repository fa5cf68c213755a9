package dev.htdemucs.onnx;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny6 inner-network golden cases: inputs mix + spec, outputs spec_out + wave_out. */
final class InnerCases {
    private InnerCases() {}

    static final List<String> CASES = List.of("white_noise", "synth_song");
    static final List<String> OUTPUTS = List.of("spec_out", "wave_out");

    static GoldenSet tiny6() { return Golden.tiny6(); }

    static Map<String, Tensor> inputs(String caseName) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String name : List.of("mix", "spec")) {
            NpyArray a = tiny6().npy(caseName + "/" + name + ".npy");
            in.put(name, Tensor.ofFloats(a.shape(), a.data()));
        }
        return in;
    }

    static Map<String, Tensor> golden(String caseName) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String name : OUTPUTS) {
            NpyArray a = tiny6().npy(caseName + "/" + name + ".npy");
            out.put(name, Tensor.ofFloats(a.shape(), a.data()));
        }
        return out;
    }

    /**
     * Asserts every output of {@code test} is within {@code relativeToPeak} × peak(reference) of {@code reference}
     * (max abs error), and prints the measured numbers.
     */
    static void assertClose(String what, Map<String, Tensor> reference, Map<String, Tensor> test, double relativeToPeak) {
        for (String name : OUTPUTS) {
            Tensor r = reference.get(name), t = test.get(name);
            assertTrue(r != null && t != null, what + ": output " + name + " missing (reference " + reference.keySet() + ", test " + test.keySet() + ")");
            assertArrayEquals(r.shape(), t.shape(), what + ": " + name + " shape");
            Comparison c = Comparison.of(r.toFloatArray(), t.toFloatArray());
            System.out.println(what + " " + name + ": " + c);
            assertTrue(c.peak() > 0, what + ": " + name + " reference is silent, the comparison would prove nothing");
            assertTrue(c.maxAbsRelativeToPeak() <= relativeToPeak,
                    what + ": " + name + " max abs error " + c.maxAbsRelativeToPeak() + " of peak exceeds " + relativeToPeak + " (" + c + ")");
        }
    }

    static ModelRuntime runtime(String name) throws PluginException {
        return Plugins.fromClassPath().get(ModelRuntime.class, name);
    }
}

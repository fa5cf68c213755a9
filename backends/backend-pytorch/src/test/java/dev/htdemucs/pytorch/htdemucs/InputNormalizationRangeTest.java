package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.numerics.Signals;
import dev.htdemucs.passes.ExposeNodesPass;
import dev.htdemucs.pytorch.DemucsCheckpointLoader;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.testsupport.ReferenceRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTDemucs.forward's input normalisation keeps every intermediate within the range of its inputs' squares,
 * independent of the number n of elements normalised (n ≈ 1.4·10⁶ for htdemucs_6s's spectrogram), so an fp16
 * plan cannot overflow on loud audio: a sum of squares would grow with n (and pass 65504 for a full-scale
 * htdemucs_6s segment). Checked on the tiny6 full graph with full-scale signals: every intermediate of
 * {@code spec_norm} and {@code mix_norm} is at most 2 × max(|x|, max square) (the unbiased variance of equal
 * squares exceeds them by n / (n - 1)), and below 65504.
 */
class InputNormalizationRangeTest {
    private static final int RATE = 44100;

    @ParameterizedTest
    @ValueSource(strings = {"full_scale_sine", "clipped_noise"})
    void normalisationIntermediatesStayWithinTheSquaresRange(String signal) throws PluginException {
        GoldenSet golden = Golden.tiny6();
        LoadedModel full = new DemucsCheckpointLoader().load(golden.file("model.th"), Options.NONE);
        int samples = full.graph().inputs().get(0).type().dim(2);
        float[] mix = signal.equals("full_scale_sine")
                ? Signals.sine(2, samples, RATE, 440, 1.0, 0.1)
                : Signals.noise(2, samples, 0.7, 5);
        for (int i = 0; i < mix.length; i++) mix[i] = Math.max(-1f, Math.min(1f, mix[i]));

        List<String> nodes = new ArrayList<>();
        for (Node n : full.graph().nodes()) {
            if (!n.op().equals("const") && (n.name().startsWith("spec_norm.") || n.name().startsWith("mix_norm."))) nodes.add(n.name());
        }
        assertFalse(nodes.isEmpty(), "the graph has normalisation nodes");
        LoadedModel exposed = new ExposeNodesPass().apply(full, Options.of("nodes", String.join(",", nodes)));
        Map<String, NpyArray> out = ReferenceRun.run(exposed.graph(), Map.of("mix", NpyArray.of(mix, 1, 2, samples)));

        for (String prefix : List.of("spec_norm", "mix_norm")) {
            double squares = peak(out.get(prefix + ".squares"));
            double input = peak(out.get(prefix + ".centered")) + peak(out.get(prefix + ".mean"));
            double bound = 2 * Math.max(input, squares);
            assertTrue(squares > 1e-3, prefix + ": the signal is loud (max square " + squares + ")");
            for (String node : nodes) {
                if (!node.startsWith(prefix + ".")) continue;
                double p = peak(out.get(node));
                System.out.printf("%s %-24s max |v| %.4g (bound %.4g)%n", signal, node, p, bound);
                assertTrue(p <= bound && p <= Float16.MAX_VALUE,
                        signal + ": " + node + " reaches " + p + ", beyond 2 x max(|x|, max square) = " + bound + " or the fp16 range");
            }
        }
    }

    private static double peak(NpyArray a) {
        double m = 0;
        for (float v : a.data()) m = Math.max(m, Math.abs(v));
        return m;
    }
}

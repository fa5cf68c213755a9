package dev.htdemucs.examples;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.passes.ExtractInnerPass;
import dev.htdemucs.pytorch.DemucsCheckpointLoader;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.testsupport.ReferenceRun;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tiny6 inner network as {@code htdemucs convert} builds it (the {@code demucs-checkpoint} loader's full
 * graph, cut by {@code extract-inner}), and runs of it on the {@code reference} runtime with golden inputs.
 */
final class Tiny6 {
    private static LoadedModel inner;

    private Tiny6() {}

    static GoldenSet golden() { return Golden.tiny6(); }

    static synchronized LoadedModel inner() throws PluginException {
        if (inner == null) {
            LoadedModel full = new DemucsCheckpointLoader().load(golden().file("model.th"), Options.NONE);
            inner = new ExtractInnerPass().apply(full, Options.NONE);
        }
        return inner;
    }

    /** The golden mix and spec of a case (white_noise, synth_song). */
    static Map<String, Tensor> inputs(String goldenCase) {
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (String name : new String[]{"mix", "spec"}) {
            NpyArray a = golden().npy(goldenCase + "/" + name + ".npy");
            feed.put(name, Tensor.ofFloats(a.shape(), a.data()));
        }
        return feed;
    }

    static Map<String, NpyArray> run(Graph graph, PrecisionPlan plan, Map<String, Tensor> feed) throws PluginException {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        ReferenceRun.run(graph, plan, feed).forEach((name, t) -> out.put(name, NpyArray.of(t.toFloatArray(), t.shape())));
        return out;
    }

    static Comparison compare(NpyArray reference, NpyArray test) {
        return Comparison.of(reference, test);
    }
}

package dev.htdemucs.testsupport;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.Session;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a graph on the pure-Java {@code reference} runtime plugin (found on the class path: the caller's
 * tests depend on runtime-reference).
 */
public final class ReferenceRun {
    private ReferenceRun() {}

    /** With golden arrays in and out, all float32. */
    public static Map<String, NpyArray> run(Graph graph, Map<String, NpyArray> inputs) throws PluginException {
        ModelRuntime runtime = Plugins.fromClassPath().get(ModelRuntime.class, "reference");
        Map<String, Tensor> feed = new LinkedHashMap<>();
        inputs.forEach((name, array) -> feed.put(name, Tensor.ofFloats(array.shape(), array.data())));
        Map<String, NpyArray> out = new LinkedHashMap<>();
        try (Session session = runtime.open(graph, Options.NONE)) {
            session.run(feed).forEach((name, t) -> out.put(name, NpyArray.of(t.toFloatArray(), t.shape())));
        }
        return out;
    }

    /** {@code plan} null means all float32; a plan is realised as casts ({@link PrecisionCasts}), so fp16 nodes store fp16. */
    public static Map<String, Tensor> run(Graph graph, PrecisionPlan plan, Map<String, Tensor> feed) throws PluginException {
        ModelRuntime runtime = Plugins.fromClassPath().get(ModelRuntime.class, "reference");
        try (Session session = runtime.open(plan == null ? graph : PrecisionCasts.apply(graph, plan), Options.NONE)) {
            return session.run(feed);
        }
    }
}

package dev.htdemucs.examples;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.util.Map;

/** Runs a graph on the pure-Java {@code reference} runtime plugin. */
final class ReferenceRun {
    private ReferenceRun() {}

    /** {@code plan} null means all float32; a plan is realised as casts ({@link PrecisionCasts}), so fp16 nodes store fp16. */
    static Map<String, Tensor> run(Graph graph, PrecisionPlan plan, Map<String, Tensor> feed) throws PluginException {
        ModelRuntime runtime = Plugins.fromClassPath().get(ModelRuntime.class, "reference");
        try (Session session = runtime.open(plan == null ? graph : PrecisionCasts.apply(graph, plan), Options.NONE)) {
            return session.run(feed);
        }
    }
}

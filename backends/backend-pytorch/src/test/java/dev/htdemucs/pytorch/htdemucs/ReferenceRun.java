package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.util.LinkedHashMap;
import java.util.Map;

/** Runs a graph on the pure-Java {@code reference} runtime with golden arrays in and out. */
final class ReferenceRun {
    private ReferenceRun() {}

    static Map<String, NpyArray> run(Graph graph, Map<String, NpyArray> inputs) throws PluginException {
        ModelRuntime runtime = Plugins.fromClassPath().get(ModelRuntime.class, "reference");
        Map<String, Tensor> feed = new LinkedHashMap<>();
        inputs.forEach((name, array) -> feed.put(name, Tensor.ofFloats(array.shape(), array.data())));
        Map<String, NpyArray> out = new LinkedHashMap<>();
        try (Session session = runtime.open(graph, Options.NONE)) {
            session.run(feed).forEach((name, t) -> out.put(name, NpyArray.of(t.toFloatArray(), t.shape())));
        }
        return out;
    }
}

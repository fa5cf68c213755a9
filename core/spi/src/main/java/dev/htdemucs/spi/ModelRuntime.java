package dev.htdemucs.spi;

import dev.htdemucs.ir.Graph;

import java.nio.file.Path;

/** Executes graphs or model files; sessions are {@link AutoCloseable}. */
public interface ModelRuntime extends Plugin {
    /** Whether this runtime can open the file directly (e.g. .onnx, .pt, .mlpackage). */
    boolean accepts(Path modelFile);

    Session open(Path modelFile, Options options) throws PluginException;

    /** Runs an IR graph; runtimes that only run files may convert it first, or throw. */
    Session open(Graph graph, Options options) throws PluginException;

    /**
     * Runs an IR graph with per-op precision: runtimes that can emulate fp16 round each fp16 op's
     * results to fp16. The default accepts only all-fp32 plans.
     */
    default Session open(Graph graph, PrecisionPlan plan, Options options) throws PluginException {
        if (plan.count(graph).getOrDefault(Precision.FP16, 0) > 0) {
            throw new PluginException("runtime " + name() + " cannot emulate fp16 precision plans");
        }
        return open(graph, options);
    }
}

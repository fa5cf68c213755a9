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
}

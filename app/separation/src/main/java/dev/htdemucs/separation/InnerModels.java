package dev.htdemucs.separation;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.nio.file.Path;

/**
 * Which model files are inner networks, asked of the plugins rather than read off file names. A file that
 * a runtime {@link ModelRuntime#accepts accepts} is an exported inner network ({@code .onnx},
 * {@code .mlpackage}, TorchScript) and that runtime opens it as it is. Any other file — a demucs checkpoint,
 * which no runtime accepts — is read by the {@code ModelLoader} that accepts it and, if its graph still has
 * the host-side {@code stft}/{@code istft}, cut to its inner network with the {@code extract-inner} pass.
 */
public final class InnerModels {
    private InnerModels() {}

    /** The {@code extract-inner} pass, looked up among the plugins. */
    public static final String EXTRACT_INNER = "extract-inner";

    /** Whether {@code runtime} opens {@code file} itself as the inner network (else: load, cut, run the graph). */
    public static boolean opensFile(ModelRuntime runtime, Path file) {
        return runtime.accepts(file);
    }

    /** Whether {@code graph} is a full separation graph: it holds the host's {@code stft} or {@code istft}. */
    public static boolean hasHostBoundary(Graph graph) {
        return !graph.hostSideNodes().isEmpty();
    }

    /** {@code model} cut to its inner network (inputs mix, spec; outputs spec_out, wave_out); an inner model as it is. */
    public static LoadedModel inner(Plugins plugins, LoadedModel model) throws PluginException {
        if (!hasHostBoundary(model.graph())) return model;
        return plugins.get(GraphPass.class, EXTRACT_INNER).apply(model, Options.NONE);
    }
}

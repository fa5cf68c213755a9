package dev.htdemucs.spi;

import dev.htdemucs.ir.DType;

import java.nio.file.Path;
import java.util.Map;

/** Reads a model file (checkpoint, ONNX, .mlpackage) into an IR graph and its metadata. */
public interface ModelLoader extends Plugin {
    /** Whether this loader recognises the file (by name or leading bytes); must not read the whole file. */
    boolean accepts(Path file);

    LoadedModel load(Path file, Options options) throws PluginException;

    /**
     * The parameters as the file stores them, element count by stored dtype — for a checkpoint its state
     * dict (float16 in released demucs models), which the graph holds widened. Empty (the default) when the
     * file's parameters are the graph's constants as loaded.
     */
    default Map<DType, Long> storedParameters(Path file) throws PluginException {
        return Map.of();
    }
}

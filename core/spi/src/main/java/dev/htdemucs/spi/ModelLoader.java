package dev.htdemucs.spi;

import java.nio.file.Path;

/** Reads a model file (checkpoint, ONNX, .mlpackage) into an IR graph and its metadata. */
public interface ModelLoader extends Plugin {
    /** Whether this loader recognises the file (by name or leading bytes); must not read the whole file. */
    boolean accepts(Path file);

    LoadedModel load(Path file, Options options) throws PluginException;
}

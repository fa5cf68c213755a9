package dev.htdemucs.coreml.read;

import dev.htdemucs.coreml.MLPackageLayout;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a Core ML .mlpackage (ML Program) as an IR graph; the graph computes in the package's fp16/fp32 types. */
public final class MLPackageLoader implements ModelLoader {
    @Override public String name() { return "mlpackage"; }

    @Override public String description() { return "Core ML ML Program package (.mlpackage) read back into the IR"; }

    @Override public boolean accepts(Path file) {
        return Files.isDirectory(file) && Files.isRegularFile(MLPackageLayout.manifest(file));
    }

    @Override public LoadedModel load(Path file, Options options) throws PluginException {
        return MLPackageReader.read(file).model();
    }
}

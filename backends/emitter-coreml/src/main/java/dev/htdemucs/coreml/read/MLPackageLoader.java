package dev.htdemucs.coreml.read;

import dev.htdemucs.coreml.MLPackageLayout;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.UsesPlugins;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a Core ML .mlpackage (ML Program) as an IR graph; the graph computes in the package's fp16/fp32 types.
 * MIL ops read back through the standard mappings and, from a {@link Plugins} discovery, the plugin jars' ones.
 */
public final class MLPackageLoader implements ModelLoader, UsesPlugins {
    private Plugins plugins;

    @Override public synchronized void usePlugins(Plugins plugins) { this.plugins = plugins; }

    @Override public String name() { return "mlpackage"; }

    @Override public String description() { return "Core ML ML Program package (.mlpackage) read back into the IR"; }

    @Override public boolean accepts(Path file) {
        return Files.isDirectory(file) && Files.isRegularFile(MLPackageLayout.manifest(file));
    }

    @Override public LoadedModel load(Path file, Options options) throws PluginException {
        Plugins p;
        synchronized (this) { p = plugins; }
        return MLPackageReader.read(file, p).model();
    }
}

package dev.htdemucs.pipeline;

import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Opens model files with whichever loader plugin accepts them. */
public final class ModelFiles {
    private ModelFiles() {}

    public static ModelLoader loaderFor(Plugins plugins, Path file) throws PluginException {
        if (!Files.exists(file)) throw new PluginException("model file not found (" + file + ")");
        List<ModelLoader> loaders = plugins.all(ModelLoader.class);
        for (ModelLoader l : loaders) if (l.accepts(file)) return l;
        throw new PluginException("no loader recognises this file; loaders: "
                + String.join(", ", loaders.stream().map(ModelLoader::name).toList()) + " (" + file + ")");
    }

    /**
     * Loads {@code file}. Whatever goes wrong — a loader's own error, an unchecked exception from a reader
     * meeting a hostile file, running out of memory on absurd sizes — comes out as a PluginException that
     * names the file.
     */
    public static LoadedModel load(Plugins plugins, Path file) throws PluginException {
        ModelLoader loader = loaderFor(plugins, file);
        try {
            return loader.load(file, Options.NONE);
        } catch (PluginException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw namingFile(e, file);
        }
    }

    /** Opens {@code file} directly in {@code runtime}, with errors that name the file as {@link #load} does. */
    public static Session open(ModelRuntime runtime, Path file, Options options) throws PluginException {
        try {
            return runtime.open(file, options);
        } catch (PluginException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            throw namingFile(e, file);
        }
    }

    private static PluginException namingFile(Throwable e, Path file) {
        if (e instanceof PluginException p && p.getMessage() != null && p.getMessage().contains(file.toString())) return p;
        return new PluginException(ErrorMessages.message(e) + " (" + file + ")", e);
    }
}

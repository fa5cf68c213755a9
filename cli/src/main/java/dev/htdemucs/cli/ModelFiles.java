package dev.htdemucs.cli;

import dev.htdemucs.ir.Node;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Opens model files with whichever loader plugin accepts them. */
final class ModelFiles {
    private ModelFiles() {}

    static ModelLoader loaderFor(Plugins plugins, Path file) throws PluginException {
        if (!Files.exists(file)) throw new PluginException("model file not found (" + file + ")");
        List<ModelLoader> loaders = plugins.all(ModelLoader.class);
        for (ModelLoader l : loaders) if (l.accepts(file)) return l;
        throw new PluginException("no loader recognises this file; loaders: "
                + String.join(", ", loaders.stream().map(ModelLoader::name).toList()) + " (" + file + ")");
    }

    static LoadedModel load(Plugins plugins, Path file) throws PluginException {
        return loaderFor(plugins, file).load(file, Options.NONE);
    }

    /** The model cut to its inner network (inputs mix, spec; outputs spec_out, wave_out). */
    static LoadedModel inner(Plugins plugins, LoadedModel model) throws PluginException {
        boolean hasBoundary = false;
        for (Node n : model.graph().nodes()) hasBoundary |= n.op().equals("stft") || n.op().equals("istft");
        if (!hasBoundary) return model;
        return plugins.get(GraphPass.class, "extract-inner").apply(model, Options.NONE);
    }
}

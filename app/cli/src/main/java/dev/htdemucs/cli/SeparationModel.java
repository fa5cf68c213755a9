package dev.htdemucs.cli;

import dev.htdemucs.pipeline.ModelFiles;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerModels;
import dev.htdemucs.separation.InnerNetwork;

import java.nio.file.Path;

/**
 * A model opened for separation: the inner network (inputs mix, spec; outputs spec_out, wave_out) in a
 * runtime session, driven by the host's STFT. Which files the runtime opens itself and which are loaded and
 * cut is {@link InnerModels}' policy.
 */
record SeparationModel(LoadedModel loaded, Session session, InnerNetwork network) implements AutoCloseable {

    /** Loads the model file's graph and metadata (no session yet). */
    static LoadedModel load(Plugins plugins, Path file) throws PluginException {
        return ModelFiles.load(plugins, file);
    }

    /** Opens {@code loaded} (read from {@code file}) in {@code runtime}. */
    static SeparationModel open(Plugins plugins, ModelRuntime runtime, Path file, LoadedModel loaded, Options options)
            throws PluginException {
        Session session = InnerModels.opensFile(runtime, file)
                ? ModelFiles.open(runtime, file, options)
                : runtime.open(InnerModels.inner(plugins, loaded).graph(), options);
        try {
            return new SeparationModel(loaded, session, new InnerNetwork(session, loaded.metadata()));
        } catch (PluginException | RuntimeException e) {
            try {
                session.close();
            } catch (PluginException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Loads and opens in one step. */
    static SeparationModel open(Plugins plugins, String runtimeName, Path file, Options options) throws PluginException {
        return open(plugins, plugins.get(ModelRuntime.class, runtimeName), file, load(plugins, file), options);
    }

    @Override public void close() throws PluginException {
        session.close();
    }
}

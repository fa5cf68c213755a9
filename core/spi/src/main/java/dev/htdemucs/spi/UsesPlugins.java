package dev.htdemucs.spi;

/**
 * A plugin that works through other plugins (a runtime that loads a file with a {@link ModelLoader}, a
 * selector that measures with a {@link ModelRuntime}). {@link Plugins#discover} hands it the plugins of
 * the same discovery, so it sees the jars of {@code --plugin-path} as the command line does, never a
 * second discovery of its own.
 */
public interface UsesPlugins {
    void usePlugins(Plugins plugins);
}

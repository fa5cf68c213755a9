package dev.htdemucs.precision.auto;

import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.io.PrintStream;

/** The plugins of the test class path, as the CLI would discover them: the auto selector works through them. */
final class TestPlugins {
    private TestPlugins() {}

    private static Plugins plugins;

    static synchronized Plugins plugins() {
        if (plugins == null) {
            try {
                plugins = Plugins.fromClassPath();
            } catch (PluginException e) {
                throw new IllegalStateException(e);
            }
        }
        return plugins;
    }

    /** An auto selector measuring on the class path's {@code reference} runtime; progress to {@code progress} (null: nowhere). */
    static AutoSelector auto(PrintStream progress) {
        AutoSelector auto = new AutoSelector(progress);
        auto.usePlugins(plugins());
        return auto;
    }

    static ModelRuntime coremlReference() throws PluginException {
        return plugins().get(ModelRuntime.class, "coreml-reference");
    }
}

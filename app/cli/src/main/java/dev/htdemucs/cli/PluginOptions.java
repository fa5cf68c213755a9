package dev.htdemucs.cli;

import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared options: where plugin jars are found, and --debug. Mixed into every command. */
public final class PluginOptions {
    @Option(names = "--plugin-path", paramLabel = "DIR",
            description = "Directory of plugin jars (repeatable). $HTDEMUCS_PLUGINS adds more, separated by ':'.")
    List<Path> pluginDirs = new ArrayList<>();

    @Option(names = "--debug", description = "Print stack traces of errors.")
    boolean debug;

    public Plugins plugins() throws PluginException {
        List<Path> dirs = new ArrayList<>(pluginDirs);
        dirs.addAll(Plugins.pluginDirsFromEnvironment());
        return Plugins.discover(dirs);
    }
}

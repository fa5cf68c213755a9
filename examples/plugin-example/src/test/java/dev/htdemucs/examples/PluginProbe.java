package dev.htdemucs.examples;

import dev.htdemucs.spi.Plugin;
import dev.htdemucs.spi.PluginKind;
import dev.htdemucs.spi.Plugins;

import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Run in a separate JVM by {@link PluginJarTest}, with only the host's jars on the class path (spi, passes):
 * prints "kind name location" for every plugin discovered from the class path and the directories given as
 * arguments, as {@code htdemucs plugins --plugin-path DIR} would see them.
 */
public final class PluginProbe {
    private PluginProbe() {}

    public static void main(String[] args) throws Exception {
        List<Path> dirs = new ArrayList<>();
        for (String a : args) dirs.add(Path.of(a));
        Plugins plugins = Plugins.discover(dirs);
        for (PluginKind kind : PluginKind.values()) {
            for (Map.Entry<String, Plugin> e : plugins.all(kind).entrySet()) {
                CodeSource src = e.getValue().getClass().getProtectionDomain().getCodeSource();
                System.out.println(kind.label() + " " + e.getKey() + " " + (src == null ? "?" : Path.of(src.getLocation().toURI())));
            }
        }
    }
}

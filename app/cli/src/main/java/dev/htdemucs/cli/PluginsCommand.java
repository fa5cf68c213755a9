package dev.htdemucs.cli;

import dev.htdemucs.spi.Plugin;
import dev.htdemucs.spi.PluginKind;
import dev.htdemucs.spi.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = {"Lists every discovered plugin by kind, name and description.",
                "Plugins come from the class path and from jars in --plugin-path directories."})
final class PluginsCommand implements Callable<Integer> {
    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        Plugins plugins = pluginOptions.plugins();
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-10s %-20s %s%n", "KIND", "NAME", "DESCRIPTION");
        for (PluginKind kind : PluginKind.values()) {
            for (Map.Entry<String, Plugin> e : plugins.all(kind).entrySet()) {
                out.printf("%-10s %-20s %s%n", kind.label(), e.getKey(), e.getValue().description());
            }
        }
        out.flush();
        return 0;
    }
}

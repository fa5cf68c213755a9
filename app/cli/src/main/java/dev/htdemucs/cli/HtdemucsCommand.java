package dev.htdemucs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "htdemucs",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
                "Converts HTDemucs music source separation models (demucs v4) into CoreML ML Programs",
                "and proves, numerically, that the converted model computes what the original computes.",
                ""},
        subcommands = {ConvertCommand.class, ExportOnnxCommand.class, InspectCommand.class, RunCommand.class, SeparateCommand.class, ValidateCommand.class, BenchCommand.class, PluginsCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 a check failed, 2 an error (bad input, bad file).",
                "Run 'htdemucs COMMAND --help' for the options of one command."})
public final class HtdemucsCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }
}

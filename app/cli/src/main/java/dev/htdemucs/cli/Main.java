package dev.htdemucs.cli;

import picocli.CommandLine;

/** Entry point of the {@code htdemucs} command. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit code: 0 ok, 1 a check failed, 2 an error. */
    public static int run(String... args) {
        OfflineMode.enable();
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        // Closed value sets (--target, --clip-mode, --weights) are enums; --clip-mode RESCALE was always accepted.
        return ErrorReporter.install(new CommandLine(new HtdemucsCommand()).setCaseInsensitiveEnumValuesAllowed(true));
    }
}

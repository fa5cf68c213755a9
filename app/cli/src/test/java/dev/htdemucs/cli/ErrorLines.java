package dev.htdemucs.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on the CLI's error contract: exit 2, one line {@code error: <cause> (<file>)}, a stack trace only with --debug. */
final class ErrorLines {
    /** Progress lines some commands print on stderr before they fail: "[1/4] loading ...", "[bench] ...", "validate: ...". */
    private static final Pattern PROGRESS = Pattern.compile("\\[\\d/\\d] .*|\\[bench] .*|validate: .*");

    private ErrorLines() {}

    /** The error line, after checking the exit code, that it is the only error line, the last line, and names {@code file}. */
    static String assertOneErrorLine(CliRunner.Result r, Path file) {
        String line = assertOneErrorLine(r);
        assertTrue(line.endsWith(" (" + file + ")"), "the error line should end with (" + file + "): " + line);
        return line;
    }

    static String assertOneErrorLine(CliRunner.Result r) {
        assertEquals(2, r.exitCode(), "exit code; stderr:\n" + r.err());
        List<String> lines = r.err().lines().toList();
        assertFalse(lines.isEmpty(), "nothing on stderr");
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("error: "), "the last stderr line should be the error:\n" + r.err());
        for (String l : lines.subList(0, lines.size() - 1)) {
            assertTrue(PROGRESS.matcher(l).matches(), "stderr holds more than progress and one error line:\n" + r.err());
        }
        return last;
    }

    /** With --debug: the error line, then the stack trace of {@code exceptionClass}. */
    static void assertErrorLineThenStackTrace(CliRunner.Result r, String exceptionClass) {
        assertEquals(2, r.exitCode(), r.err());
        List<String> lines = r.err().lines().filter(l -> !PROGRESS.matcher(l).matches()).toList();
        assertTrue(lines.size() > 2 && lines.get(0).startsWith("error: "), r.err());
        assertTrue(lines.get(1).contains(exceptionClass), "trace of " + exceptionClass + " expected after the error line:\n" + r.err());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("\tat ")), "stack frames expected:\n" + r.err());
    }
}

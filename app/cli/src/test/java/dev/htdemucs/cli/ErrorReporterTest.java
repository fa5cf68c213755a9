package dev.htdemucs.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;

import static dev.htdemucs.cli.ErrorLines.assertErrorLineThenStackTrace;
import static dev.htdemucs.cli.ErrorLines.assertOneErrorLine;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The error line for every kind of throwable, including Errors picocli would let escape (the JVM would then
 * print a stack trace and exit 1), and how the file is found.
 */
class ErrorReporterTest {
    static final Path FILE = Path.of("/data/songs/model.th");

    @Command(name = "throwing")
    static final class Throwing implements Callable<Integer> {
        final Function<Path, Throwable> what;
        @Option(names = "--file") Path file;
        @Option(names = "--debug") boolean debug;

        Throwing(Function<Path, Throwable> what) { this.what = what; }

        @Override public Integer call() throws Exception {
            Throwable t = what.apply(file);
            if (t instanceof Exception e) throw e;
            throw (Error) t;
        }
    }

    private static CliRunner.Result run(Function<Path, Throwable> what, String... extra) {
        CommandLine cl = ErrorReporter.install(new CommandLine(new Throwing(what)));
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> args = new java.util.ArrayList<>(List.of("--file", FILE.toString()));
        args.addAll(List.of(extra));
        return new CliRunner.Result(cl.execute(args.toArray(String[]::new)), out.toString(), err.toString());
    }

    @Test
    void outOfMemoryIsOneLineNotACrash() {
        CliRunner.Result r = run(f -> new OutOfMemoryError("Java heap space"));
        assertEquals("error: out of memory (Java heap space): the input is corrupt or too big for the Java heap;"
                + " a larger heap: HTDEMUCS_JAVA_OPTS=-Xmx16g", assertOneErrorLine(r));
        assertErrorLineThenStackTrace(run(f -> new OutOfMemoryError("Java heap space"), "--debug"), "java.lang.OutOfMemoryError");
    }

    @Test
    void stackOverflowIsOneLine() {
        assertEquals("error: the input nests too deeply to read (stack overflow); it is corrupt or hostile",
                assertOneErrorLine(run(f -> new StackOverflowError())));
    }

    @Test
    void uncheckedExceptionsNameTheirClassWhenItAddsSomething() {
        assertEquals("error: NullPointerException", assertOneErrorLine(run(f -> new NullPointerException())));
        assertEquals("error: ArrayIndexOutOfBoundsException: Index 7 out of bounds for length 3",
                assertOneErrorLine(run(f -> new ArrayIndexOutOfBoundsException("Index 7 out of bounds for length 3"))));
        assertEquals("error: bad value (" + FILE + ")",
                assertOneErrorLine(run(f -> new IllegalArgumentException("bad value (" + f + ")")), FILE));
    }

    @Test
    void fileSystemExceptionsSayWhatHappenedAndWhere() {
        assertEquals("error: file not found (" + FILE + ")",
                assertOneErrorLine(run(f -> new UncheckedIOException(new NoSuchFileException(f.toString()))), FILE));
        Path other = Path.of("/elsewhere/x.bin");
        assertEquals("error: permission denied (" + other + ")", assertOneErrorLine(run(f -> new AccessDeniedException(other.toString()))));
    }

    @Test
    void theFileArgumentNamedInTheMessageGoesLastAndShort() {
        assertEquals("error: cannot read demucs checkpoint model.th: truncated (" + FILE + ")",
                assertOneErrorLine(run(f -> new IllegalStateException("cannot read demucs checkpoint " + f + ": truncated")), FILE));
        assertEquals("error: broken header (" + FILE + ")",
                assertOneErrorLine(run(f -> new IllegalStateException(f + ": broken header")), FILE));
        assertEquals("error: several problems: first; second (" + FILE + ")",
                assertOneErrorLine(run(f -> new IllegalStateException("several problems:\n  first\n  second (" + f + ")")), FILE));
    }

    @Test
    void errorsAboutNoFileHaveNoParentheses() {
        assertEquals("error: --target must be ios17 or ios18, got 'ios9'",
                assertOneErrorLine(run(f -> new IllegalArgumentException("--target must be ios17 or ios18, got 'ios9'"))));
    }

    @Test
    void lineFindsTheEarliestLongestFileArgument() {
        Path dir = Path.of("/data"), a = Path.of("/data/a.th"), b = Path.of("/data/b.npy");
        assertEquals("error: a.th does not match /data/b.npy (/data/a.th)",
                ErrorReporter.line(new IllegalStateException("/data/a.th does not match /data/b.npy"), Set.of(dir, b, a)));
    }
}

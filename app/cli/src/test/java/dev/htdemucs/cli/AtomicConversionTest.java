package dev.htdemucs.cli;

import dev.htdemucs.fixtures.GoldenAssumptions;
import dev.htdemucs.golden.Golden;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.htdemucs.cli.ErrorLines.assertOneErrorLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A conversion either publishes a complete package or nothing: killed with SIGKILL half-way, refused a
 * directory, or out of disk space, it leaves no {@code x.mlpackage} and nothing visible beside it; the next
 * run removes what a killed run left and succeeds.
 */
class AtomicConversionTest {
    private static final String WEIGHTS = "Data/com.apple.CoreML/weights/weight.bin";

    static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** tiny6: killed as soon as the temporary package directory appears (the weights are being written). */
    @Test
    void killedTiny6ConversionLeavesNoPackageAndTheNextRunCleansUp(@TempDir Path dir) throws Exception {
        killThenRerun(dir, Golden.tiny6().file("model.th"), "1g", 0);
    }

    /** htdemucs_6s: killed once weight.bin holds 16 MB of its 58 MB. */
    @Test
    @Tag("full")
    void killedFullSizeConversionLeavesNoPackageAndTheNextRunCleansUp(@TempDir Path dir) throws Exception {
        killThenRerun(dir, GoldenAssumptions.requireFullSize().file("model.th"), "3g", 16L << 20);
    }

    private static void killThenRerun(Path dir, Path model, String heap, long killAtWeightBytes) throws Exception {
        Path outDir = Files.createDirectories(dir.resolve("out"));
        Path out = outDir.resolve("x.mlpackage");
        Path log = dir.resolve("child.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "convert", "--model", model.toString(), "--out", out.toString(), "--precision", "fp16")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Pattern childTemp = Pattern.compile("\\.x\\.mlpackage\\.tmp-" + child.pid() + "-[0-9a-f]{12}");
        long start = System.nanoTime();
        long weightBytes = -1;
        double tempSeen = -1;
        try {
            while (true) {
                if (!child.isAlive()) {
                    fail("the conversion ended (exit " + child.exitValue() + ") before it could be killed:\n" + Files.readString(log));
                }
                Optional<Path> temp = entries(outDir).stream().filter(p -> childTemp.matcher(p.getFileName().toString()).matches()).findFirst();
                if (temp.isPresent()) {
                    if (tempSeen < 0) tempSeen = (System.nanoTime() - start) / 1e9;
                    Path weights = temp.get().resolve(WEIGHTS);
                    weightBytes = Files.exists(weights) ? Files.size(weights) : 0;
                    if (weightBytes >= killAtWeightBytes) break;
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) fail("no temporary package within 10 minutes:\n" + Files.readString(log));
                Thread.sleep(2);
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        double killedAt = (System.nanoTime() - start) / 1e9;
        assertEquals(128 + 9, child.exitValue(), "killed by SIGKILL");
        System.out.printf(Locale.ROOT, "kill -9: %s, temporary package after %.2f s, killed at %.2f s with weight.bin at %,d bytes%n",
                model.getFileName(), tempSeen, killedAt, weightBytes);

        assertFalse(Files.exists(out), "no package after the kill");
        List<Path> left = entries(outDir);
        assertFalse(left.isEmpty(), "the kill came after the conversion finished: the test proves nothing");
        for (Path p : left) {
            assertTrue(childTemp.matcher(p.getFileName().toString()).matches(), "only the killed run's hidden temporary is left: " + left);
        }

        CliRunner.Result again = CliRunner.run("convert", "--model", model.toString(), "--out", out.toString(), "--precision", "fp16");
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(List.of(out), entries(outDir), "the next run removed the dead run's temporary");
        CliRunner.Result inspect = CliRunner.run("inspect", out.toString());
        assertEquals(0, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().contains("output spec_out"), inspect.out());
    }

    /** As root chmod does not stop writes, so the directory to write in is a regular file. */
    @Test
    void targetUnderARegularFileIsOneErrorAndNothingWritten(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file.txt"), "keep me");
        Path out = file.resolve("x.mlpackage");
        String line = assertOneErrorLine(CliRunner.run("convert", "--out", out.toString(), "--precision", "fp16"), out);
        assertEquals("error: cannot write x.mlpackage: " + file + " is a file, not a directory (" + out + ")", line);
        assertEquals(List.of(file), entries(dir));
        assertEquals("keep me", Files.readString(file));
    }

    /** /proc takes no new directories, even from root. */
    @Test
    void targetInAFileSystemThatRefusesDirectoriesIsOneError() {
        Path proc = Path.of("/proc");
        Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "skipped: no Linux /proc here");
        Path out = proc.resolve("x.mlpackage");
        String line = assertOneErrorLine(CliRunner.run("convert", "--out", out.toString(), "--precision", "fp16"), out);
        assertTrue(line.startsWith("error: cannot write x.mlpackage: "), line);
        assertFalse(Files.exists(out));
    }

    /** A 1 MiB tmpfs (mounting needs root) fills up while weight.bin is written (tiny6 in fp16 is 2 MB). */
    @Test
    void fullDiskIsOneErrorAndNoPartialOutput(@TempDir Path dir) throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        String mounted = command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString());
        Assumptions.assumeTrue(mounted == null, () -> "skipped: cannot mount a 1 MiB tmpfs to fill up (needs root): " + mounted);
        try {
            Path out = small.resolve("x.mlpackage");
            String line = assertOneErrorLine(CliRunner.run("convert", "--out", out.toString(), "--precision", "fp16"), out);
            assertEquals("error: cannot write x.mlpackage: No space left on device (" + out + ")", line);
            assertEquals(List.of(), entries(small), "no package, no temporary");
        } finally {
            String unmounted = command("umount", small.toString());
            if (unmounted != null) command("umount", "-l", small.toString());
        }
    }

    /** Runs a system command; null on success, else its output. */
    private static String command(String... cmd) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.waitFor() == 0 ? null : "'" + String.join(" ", cmd) + "' failed: " + output;
        } catch (IOException e) {
            return "cannot run " + cmd[0] + ": " + e.getMessage();
        }
    }
}

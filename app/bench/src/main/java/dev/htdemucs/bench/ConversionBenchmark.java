package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.Conversion;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Times {@code htdemucs convert --precision fp16} as a user runs it: a fresh JVM with the launcher's heap,
 * so JVM start, class loading and JIT warm-up count, and the peak resident set is the whole process's.
 */
final class ConversionBenchmark {
    static final String PRECISION = "fp16";
    private static final long TIMEOUT_SECONDS = 1800;
    /** The convert command's last line: {@code time:      9.27 s}. */
    private static final Pattern IN_PROCESS_TIME = Pattern.compile("(?m)^time:\\s+([0-9.]+) s\\s*$");

    private ConversionBenchmark() {}

    static Conversion run(BenchSettings settings, Path modelFile, Path workDir, Path jfrFile) {
        List<String> command = command(settings, modelFile, workDir.resolve("converted.mlpackage"), jfrFile);
        String heap = "-Xmx" + settings.convertHeap();
        try {
            ChildProcessMeter.Result r = ChildProcessMeter.run(command,
                    Map.of("DJL_OFFLINE", "true", "OPT_OUT_TRACKING", "true"), workDir, TIMEOUT_SECONDS);
            Long packageBytes = sizeOf(workDir.resolve("converted.mlpackage"));
            Double inProcess = inProcessSeconds(r.stdout());
            if (r.timedOut() || r.exitCode() != 0) {
                String why = r.timedOut() ? "timed out after " + TIMEOUT_SECONDS + " s"
                        : "exit code " + r.exitCode() + ": " + lastLines(r.stderr() + "\n" + r.stdout(), 3);
                return new Conversion(StepStatus.FAILED, "convert failed (" + why + ")", command, heap, PRECISION,
                        r.wallSeconds(), inProcess, r.peakRssBytes(), r.peakRssMethod(), packageBytes, r.exitCode());
            }
            return new Conversion(StepStatus.OK, null, command, heap, PRECISION, r.wallSeconds(), inProcess,
                    r.peakRssBytes(), r.peakRssMethod(), packageBytes, r.exitCode());
        } catch (IOException e) {
            return failed(command, heap, "cannot run the child JVM: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return failed(command, heap, "interrupted");
        } finally {
            deleteQuietly(workDir.resolve("converted.mlpackage"));
        }
    }

    static Conversion skipped(String reason) {
        return new Conversion(StepStatus.SKIPPED, reason, null, null, PRECISION, null, null, null, null, null, null);
    }

    private static Conversion failed(List<String> command, String heap, String reason) {
        return new Conversion(StepStatus.FAILED, reason, command, heap, PRECISION, null, null, null, null, null, null);
    }

    /** {@code java -Xmx… -cp <this JVM's class path> <cli main> convert --model M --out X --precision fp16 --force}. */
    static List<String> command(BenchSettings settings, Path modelFile, Path out, Path jfrFile) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + settings.convertHeap());
        cmd.add("-Dai.djl.offline=true");
        if (jfrFile != null) cmd.add("-XX:StartFlightRecording=settings=profile,filename=" + jfrFile);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(settings.convertMainClass());
        cmd.addAll(List.of("convert", "--model", modelFile.toAbsolutePath().toString(), "--out", out.toString(),
                "--precision", PRECISION, "--force"));
        return cmd;
    }

    static Double inProcessSeconds(String stdout) {
        Matcher m = IN_PROCESS_TIME.matcher(stdout);
        Double last = null;
        while (m.find()) last = Double.parseDouble(m.group(1));
        return last;
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.strip().lines().filter(l -> !l.isBlank()).toList();
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    private static Long sizeOf(Path path) throws IOException {
        if (!Files.exists(path)) return null;
        try (Stream<Path> files = Files.walk(path)) {
            long total = 0;
            for (Path p : files.filter(Files::isRegularFile).toList()) total += Files.size(p);
            return total;
        }
    }

    static void deleteQuietly(Path path) {
        if (!Files.exists(path)) return;
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // A leftover temporary package is harmless; the bench result does not depend on it.
        }
    }
}

package dev.htdemucs.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command as a child process and measures its wall time and peak resident set size.
 *
 * <p>Peak RSS comes from GNU {@code /usr/bin/time} when it is installed: it reports the child's
 * {@code ru_maxrss} from {@code wait4}, exact and including the last moments before exit. Without it the
 * child's {@code VmHWM} (the kernel's high-water mark of the resident set) is polled from
 * {@code /proc/<pid>/status} until the process ends; since VmHWM never decreases, polling only misses growth
 * in the last poll interval.
 */
final class ChildProcessMeter {
    static final Path GNU_TIME = Path.of("/usr/bin/time");
    private static final long POLL_MILLIS = 5;
    private static final Pattern VM_HWM = Pattern.compile("^VmHWM:\\s+(\\d+)\\s+kB", Pattern.MULTILINE);

    /** What a finished (or killed) child did; {@code peakRssBytes} is null when it could not be read. */
    record Result(int exitCode, double wallSeconds, Long peakRssBytes, String peakRssMethod, String stdout,
                  String stderr, boolean timedOut) {}

    private ChildProcessMeter() {}

    static Result run(List<String> command, Map<String, String> environment, Path workDir, long timeoutSeconds)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path stdout = workDir.resolve("child.stdout");
        Path stderr = workDir.resolve("child.stderr");
        Path rusage = workDir.resolve("child.rusage");
        Files.deleteIfExists(rusage);
        boolean gnuTime = Files.isExecutable(GNU_TIME);
        List<String> full = new ArrayList<>();
        if (gnuTime) full.addAll(List.of(GNU_TIME.toString(), "-o", rusage.toString(), "-f", "%M"));
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full).directory(workDir.toFile())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(environment);
        long t0 = System.nanoTime();
        Process process = pb.start();
        long polledKb = -1;
        boolean finished = false;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (System.nanoTime() < deadline) {
            if (!gnuTime) polledKb = Math.max(polledKb, vmHwmKb(process.pid()));
            if (process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                finished = true;
                break;
            }
        }
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        Long peak = null;
        String method;
        if (gnuTime) {
            method = "GNU /usr/bin/time (ru_maxrss of the child from wait4)";
            if (Files.isRegularFile(rusage)) peak = lastNumberKb(Files.readString(rusage));
        } else {
            method = "polled VmHWM of /proc/<pid>/status every " + POLL_MILLIS + " ms";
            if (polledKb >= 0) peak = polledKb * 1024;
        }
        return new Result(process.exitValue(), wall, peak, method, read(stdout), read(stderr), !finished);
    }

    /** VmHWM of a live process in kB, or -1 when unreadable (not Linux, or the process is gone). */
    static long vmHwmKb(long pid) {
        try {
            Matcher m = VM_HWM.matcher(Files.readString(Path.of("/proc", Long.toString(pid), "status")));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** GNU time's "%M" output is the peak in kB on the last line (a failing command adds a status line before it). */
    private static Long lastNumberKb(String text) {
        String[] lines = text.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (line.matches("\\d+")) return Long.parseLong(line) * 1024;
        }
        return null;
    }

    private static String read(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}

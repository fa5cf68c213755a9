package dev.htdemucs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine a bench ran on, so that figures from different machines are not compared blindly.
 * {@code loadAverage} is /proc/loadavg's 1, 5 and 15 minute averages when the facts were read: on a
 * shared machine a load above the core count means other processes took part of the CPU.
 */
public record MachineFacts(int cores, String cpuModel, String javaVersion, String javaVm, String os,
                           long maxHeapBytes, Long memoryBytes, List<Double> loadAverage) {

    public static MachineFacts collect() {
        java.lang.Runtime rt = java.lang.Runtime.getRuntime();
        return new MachineFacts(rt.availableProcessors(), readCpuModel(), System.getProperty("java.version"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
                rt.maxMemory(), readMemoryBytes(), currentLoadAverage());
    }

    /** The first {@code model name} of /proc/cpuinfo, or what the JVM knows when there is none. */
    static String readCpuModel() {
        for (String line : lines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name")) {
                int colon = line.indexOf(':');
                if (colon > 0) return line.substring(colon + 1).strip();
            }
        }
        return "unknown (" + System.getProperty("os.arch") + ")";
    }

    /** MemTotal of /proc/meminfo in bytes, or null off Linux. */
    static Long readMemoryBytes() {
        for (String line : lines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                String[] parts = line.substring(9).strip().split("\\s+");
                try {
                    return Long.parseLong(parts[0]) * 1024;
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** The three load averages of /proc/loadavg, or the JVM's 1-minute figure alone off Linux. */
    public static List<Double> currentLoadAverage() {
        List<String> lines = lines(Path.of("/proc/loadavg"));
        List<Double> out = new ArrayList<>();
        if (!lines.isEmpty()) {
            String[] parts = lines.get(0).strip().split("\\s+");
            for (int i = 0; i < Math.min(3, parts.length); i++) {
                try {
                    out.add(Double.parseDouble(parts[i]));
                } catch (NumberFormatException e) {
                    break;
                }
            }
        }
        if (out.isEmpty()) {
            double one = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            if (one >= 0) out.add(one);
        }
        return out;
    }

    static String describeLoad(List<Double> load) {
        if (load == null || load.isEmpty()) return "unknown";
        List<String> parts = new ArrayList<>();
        for (double d : load) parts.add(String.format(Locale.ROOT, "%.2f", d));
        return String.join(" ", parts);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.isReadable(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }
}

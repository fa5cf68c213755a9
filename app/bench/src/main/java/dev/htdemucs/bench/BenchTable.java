package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.Conversion;
import dev.htdemucs.bench.BenchReport.Goal;
import dev.htdemucs.bench.BenchReport.Hotspot;
import dev.htdemucs.bench.BenchReport.Hotspots;
import dev.htdemucs.bench.BenchReport.OpTime;
import dev.htdemucs.bench.BenchReport.ReferenceSegment;
import dev.htdemucs.bench.BenchReport.Separation;
import dev.htdemucs.bench.BenchReport.Spectrogram;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The console form of a {@link BenchReport}: what was measured, then the goals. */
public final class BenchTable {
    private BenchTable() {}

    public static void print(BenchReport r, PrintWriter out) {
        MachineFacts m = r.machine();
        out.printf(Locale.ROOT, "htdemucs bench: %s, %.2f s of audio, %d threads%n", r.model().name(),
                r.input().seconds(), r.settings().threads());
        if (r.model().note() != null) out.println("note: " + r.model().note());
        out.printf(Locale.ROOT, "machine: %d cores, %s, Java %s, max heap %s, load average %s at start, %s at end%n",
                m.cores(), m.cpuModel(), m.javaVersion(), mib(m.maxHeapBytes()),
                MachineFacts.describeLoad(m.loadAverage()), MachineFacts.describeLoad(r.loadAverageAtEnd()));
        out.println("input: " + r.input().source());
        out.println();
        String row = "%-34s %-34s %s%n";
        out.printf(Locale.ROOT, row, "MEASUREMENT", "RESULT", "DETAIL");
        Conversion c = r.conversion();
        out.printf(Locale.ROOT, row, "conversion (" + c.precision() + ", child JVM)",
                c.status() == StepStatus.OK ? String.format(Locale.ROOT, "%.2f s wall, %s peak RSS", c.wallSeconds(),
                        c.peakRssBytes() == null ? "?" : mib(c.peakRssBytes())) : c.status().label(),
                c.status() == StepStatus.OK ? String.format(Locale.ROOT, "in-process %s, %s, package %s",
                        c.inProcessSeconds() == null ? "?" : String.format(Locale.ROOT, "%.2f s", c.inProcessSeconds()),
                        c.heap(), c.packageBytes() == null ? "?" : mb(c.packageBytes())) : c.reason());
        Spectrogram s = r.stft();
        if (s.status() == StepStatus.OK) {
            out.printf(Locale.ROOT, row, "STFT, one segment", ms(s.stftMs().median()),
                    String.format(Locale.ROOT, "%d x %d samples, %s", s.channels(), s.segmentSamples(), spread(s.stftMs(), "ms")));
            out.printf(Locale.ROOT, row, "iSTFT, one source", ms(s.istftOneSourceMs().median()),
                    String.format(Locale.ROOT, "1 source x %d channels, %s", s.channels(), spread(s.istftOneSourceMs(), "ms")));
            out.printf(Locale.ROOT, row, "iSTFT, all sources", ms(s.istftMs().median()),
                    String.format(Locale.ROOT, "%d sources x %d channels, %s", s.sources(), s.channels(), spread(s.istftMs(), "ms")));
            out.printf(Locale.ROOT, row, "STFT + iSTFT, one source", ms(s.stftIstftOneSourceMs().median()),
                    String.format(Locale.ROOT, "one stereo segment, per-repeat sums, %s; CPU %.2f ms over %d threads",
                            spread(s.stftIstftOneSourceMs(), "ms"), s.stftIstftOneSourceCpuMs().median(), s.hostThreads()));
            out.printf(Locale.ROOT, row, "STFT + iSTFT, all sources", ms(s.stftIstftAllSourcesMs().median()),
                    String.format(Locale.ROOT, "the host's work per segment, per-repeat sums, %s; CPU %.2f ms over %d threads",
                            spread(s.stftIstftAllSourcesMs(), "ms"), s.stftIstftAllSourcesCpuMs().median(), s.hostThreads()));
        } else {
            out.printf(Locale.ROOT, row, "STFT + iSTFT, one segment", s.status().label(), s.reason());
        }
        ReferenceSegment ref = r.reference();
        if (ref.status() == StepStatus.OK) {
            out.printf(Locale.ROOT, row, "reference runtime, one segment", String.format(Locale.ROOT, "%.2f s", ref.seconds().median()),
                    String.format(Locale.ROOT, "%d threads, %s; ops: %s", ref.threads(), spread(ref.seconds(), "s"), topOps(ref.opProfile())));
        } else {
            out.printf(Locale.ROOT, row, "reference runtime, one segment", ref.status().label(), ref.reason());
        }
        for (Separation sep : r.separation()) {
            if (sep.status() == StepStatus.OK) {
                out.printf(Locale.ROOT, row, "separation: " + sep.runtime(),
                        String.format(Locale.ROOT, "RTF %.3f (%.2fx real time)", sep.rtf(), sep.speedXRealtime()),
                        String.format(Locale.ROOT, "%d segments, %.1f s in %.1f s, %.2f s/segment (median %.2f, first %.2f), %d threads",
                                sep.segments(), sep.audioSeconds(), sep.wallSeconds(), sep.secondsPerSegment(),
                                sep.segmentStats().median(), sep.segmentSeconds().get(0), sep.threads()));
            } else {
                out.printf(Locale.ROOT, row, "separation: " + sep.runtime(), sep.status().label(), sep.reason());
            }
        }
        out.println();
        String goalRow = "%-33s %-58s %-48s %s%n";
        out.printf(Locale.ROOT, goalRow, "GOAL", "TARGET", "MEASURED", "MET");
        for (Goal g : r.goals()) {
            String met = g.met() == null ? "-" : g.met() ? "yes" : "NO";
            out.printf(Locale.ROOT, goalRow, g.name(), g.target(), g.measured() == null ? "-" : g.measured(),
                    met + (g.met() == null && g.note() != null ? " (" + g.note() + ")" : ""));
        }
        if (r.profile() != null) {
            printHotspots(out, "conversion", r.profile().conversion());
            printHotspots(out, "reference runtime", r.profile().reference());
        }
        out.flush();
    }

    private static void printHotspots(PrintWriter out, String what, Hotspots h) {
        if (h == null) return;
        out.println();
        out.printf(Locale.ROOT, "where %s's samples fell (%d JFR execution samples, %s):%n", what, h.samples(), h.jfrFile());
        out.println("  project method on top of the stack (inclusive of JDK/library code it called):");
        for (Hotspot x : h.projectTop().subList(0, Math.min(8, h.projectTop().size()))) {
            out.printf(Locale.ROOT, "    %5.1f%%  %s%n", x.percent(), x.method());
        }
        out.println("  top frames (self time):");
        for (Hotspot x : h.selfTop().subList(0, Math.min(8, h.selfTop().size()))) {
            out.printf(Locale.ROOT, "    %5.1f%%  %s%n", x.percent(), x.method());
        }
    }

    private static String topOps(List<OpTime> ops) {
        if (ops == null || ops.isEmpty()) return "-";
        List<String> parts = new ArrayList<>();
        for (OpTime o : ops.subList(0, Math.min(5, ops.size()))) {
            parts.add(String.format(Locale.ROOT, "%s %.0f%%", o.op(), 100 * o.share()));
        }
        return String.join(", ", parts);
    }

    private static String spread(Stats s, String unit) {
        return String.format(Locale.ROOT, "median of %d (min %.2f, max %.2f %s)", s.count(), s.min(), s.max(), unit);
    }

    private static String ms(double v) { return String.format(Locale.ROOT, "%.2f ms", v); }

    static String mib(long bytes) { return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0); }

    static String mb(long bytes) { return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6); }
}

package dev.htdemucs.bench.profile;

import dev.htdemucs.bench.BenchReport.Hotspot;
import dev.htdemucs.bench.BenchReport.Hotspots;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Summarises the {@code jdk.ExecutionSample} events of a JFR recording (the JVM's periodic samples of
 * threads running Java code; native code such as ONNX Runtime's kernels is not sampled) into the methods
 * where the samples fell. Equivalent to reading {@code jfr print --events jdk.ExecutionSample} by hand.
 */
public final class JfrHotspots {
    public static final String PROJECT_PACKAGE = "dev.htdemucs.";
    private static final String EXECUTION_SAMPLE = "jdk.ExecutionSample";
    /** A lambda's hidden class is named anew in every JVM ({@code Foo$$Lambda$115+0x7f…/435297131}): drop the suffix. */
    private static final Pattern LAMBDA_SUFFIX = Pattern.compile("\\$\\$Lambda\\$[^./]*([./]\\d+)?");

    private JfrHotspots() {}

    public static Hotspots summarize(Path jfrFile, int top) throws IOException {
        Map<String, Long> self = new HashMap<>(), project = new HashMap<>(), inclusive = new HashMap<>();
        long samples = 0;
        try (RecordingFile file = new RecordingFile(jfrFile)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals(EXECUTION_SAMPLE)) continue;
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) continue;
                samples++;
                List<RecordedFrame> frames = stack.getFrames();
                self.merge(name(frames.get(0)), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                boolean firstProject = true;
                for (RecordedFrame frame : frames) {
                    String method = name(frame);
                    if (!method.startsWith(PROJECT_PACKAGE)) continue;
                    if (firstProject) {
                        project.merge(method, 1L, Long::sum);
                        firstProject = false;
                    }
                    if (seen.add(method)) inclusive.merge(method, 1L, Long::sum);
                }
            }
        }
        return new Hotspots(jfrFile.toString(), samples, top(self, samples, top), top(project, samples, top),
                top(inclusive, samples, top));
    }

    private static String name(RecordedFrame frame) {
        RecordedMethod m = frame.getMethod();
        if (m == null) return "<unknown>";
        return LAMBDA_SUFFIX.matcher(m.getType().getName()).replaceAll("\\$\\$Lambda") + "." + m.getName();
    }

    private static List<Hotspot> top(Map<String, Long> counts, long samples, int n) {
        List<Hotspot> list = new ArrayList<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(n)
                .forEach(e -> list.add(new Hotspot(e.getKey(), e.getValue(), samples == 0 ? 0 : 100.0 * e.getValue() / samples)));
        return list;
    }
}

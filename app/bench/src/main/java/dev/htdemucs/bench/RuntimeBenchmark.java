package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.OpTime;
import dev.htdemucs.bench.BenchReport.ReferenceSegment;
import dev.htdemucs.bench.BenchReport.Separation;
import dev.htdemucs.bench.profile.InProcessRecording;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.runtime.reference.ReferenceRuntime;
import dev.htdemucs.runtime.reference.ReferenceSession;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.separation.InnerNetwork;
import dev.htdemucs.separation.SeparationSettings;
import dev.htdemucs.separation.Separator;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One runtime's session on the model's inner network: opened once, warmed up with one run, then (for the
 * reference runtime) timed on single segments, then used to separate the whole input.
 */
final class RuntimeBenchmark {
    static final String PYTORCH = "pytorch";

    /** What one session measured; either part is null when not asked for. */
    record Outcome(ReferenceSegment reference, Separation separation) {}

    private final Plugins plugins;
    private final BenchModel model;
    private final BenchSettings settings;
    private final PrintWriter log;

    RuntimeBenchmark(Plugins plugins, BenchModel model, BenchSettings settings, PrintWriter log) {
        this.plugins = plugins;
        this.model = model;
        this.settings = settings;
        this.log = log;
    }

    /**
     * @param timeSegment  time the inner network alone (the {@code reference} step)
     * @param separate     separate the whole input (the {@code separation} step)
     * @param jfrFile      where to record the segment runs with JFR, or null
     */
    Outcome run(String runtimeName, BenchInput input, boolean timeSegment, boolean separate, Path jfrFile) {
        int threads = settings.threads();
        double openSeconds;
        Session session;
        long t0 = System.nanoTime();
        try {
            session = open(runtimeName);
            openSeconds = (System.nanoTime() - t0) / 1e9;
        } catch (PluginException | RuntimeException e) {
            String why = "cannot open the model in " + runtimeName + ": " + message(e);
            return new Outcome(timeSegment ? failedSegment(why, threads, null, null) : null,
                    separate ? failedSeparation(runtimeName, why, threads, null, null) : null);
        }
        log.printf(Locale.ROOT, "[bench] %s: opened in %.2f s%n", runtimeName, openSeconds);
        log.flush();
        Double firstRun = null;
        ReferenceSegment segment = null;
        Separation separation = null;
        try (Session s = session) {
            learnOutputTypes(s);
            InnerNetwork network = new InnerNetwork(s, model.metadata());
            Map<String, Tensor> inputs = network.inputs(firstSegment(input.audio(), network));
            long w0 = System.nanoTime();
            network.output(network.run(inputs));
            firstRun = (System.nanoTime() - w0) / 1e9;
            log.printf(Locale.ROOT, "[bench] %s: warm-up segment %.2f s%n", runtimeName, firstRun);
            log.flush();
            if (timeSegment) segment = timeSegments(s, network, inputs, openSeconds, firstRun, jfrFile);
            if (separate) separation = separate(runtimeName, network, input, openSeconds, firstRun);
        } catch (PluginException | RuntimeException | IOException | AudioFormatException e) {
            String why = runtimeName + " failed: " + message(e);
            if (timeSegment && segment == null) segment = failedSegment(why, threads, openSeconds, firstRun);
            if (separate && separation == null) separation = failedSeparation(runtimeName, why, threads, openSeconds, firstRun);
        }
        return new Outcome(segment, separation);
    }

    private Session open(String runtimeName) throws PluginException {
        ModelRuntime runtime = plugins.get(ModelRuntime.class, runtimeName);
        Options options = Options.of("threads", Integer.toString(settings.threads()));
        if (runtimeName.equals(PYTORCH)) {
            if (settings.torchscript() == null) {
                throw new PluginException("the pytorch runtime runs TorchScript files: give --torchscript FILE (the"
                        + " model's inner network traced with torch.jit.trace)");
            }
            // TorchScript files record no shapes; the inner network's come from the model's metadata.
            ModelMetadata md = model.metadata();
            int c = md.audioChannels();
            String shapes = String.format(Locale.ROOT, "mix=1x%dx%d,spec=1x%dx%dx%d", c, md.segmentSamples(), 2 * c,
                    md.bins(), md.frames());
            return runtime.open(settings.torchscript(), options.with("input-shapes", shapes));
        }
        Path file = model.file();
        boolean checkpoint = file.getFileName().toString().endsWith(".th");
        return !checkpoint && runtime.accepts(file) ? runtime.open(file, options)
                : runtime.open(model.inner().graph(), options);
    }

    /**
     * A TorchScript session knows its output shapes only after a run (the file records none), and
     * {@link InnerNetwork} checks them when it wraps the session: one run on zeros of the declared input
     * shapes tells it.
     */
    private static void learnOutputTypes(Session session) throws PluginException {
        boolean unknownOutput = session.outputTypes().values().stream().anyMatch(t -> t.rank() == 0);
        boolean knownInputs = session.inputTypes().values().stream().allMatch(t -> t.rank() > 0);
        if (!unknownOutput || !knownInputs) return;
        Map<String, Tensor> zeros = new HashMap<>();
        session.inputTypes().forEach((name, type) -> zeros.put(name, Tensor.zeros(type)));
        session.run(zeros);
    }

    private ReferenceSegment timeSegments(Session session, InnerNetwork network, Map<String, Tensor> inputs,
                                          double openSeconds, double firstRun, Path jfrFile)
            throws PluginException, IOException {
        Map<String, long[]> before = opTotals(session);
        double[] seconds = new double[settings.repeat()];
        InProcessRecording recording = jfrFile == null ? null : InProcessRecording.start(jfrFile);
        try {
            for (int i = 0; i < seconds.length; i++) {
                long t0 = System.nanoTime();
                network.run(inputs);
                seconds[i] = (System.nanoTime() - t0) / 1e9;
                log.printf(Locale.ROOT, "[bench] reference segment %d/%d: %.2f s%n", i + 1, seconds.length, seconds[i]);
                log.flush();
            }
        } finally {
            if (recording != null) recording.close();
        }
        return new ReferenceSegment(StepStatus.OK, null, settings.threads(), openSeconds, firstRun, Stats.of(seconds),
                opProfile(before, opTotals(session)));
    }

    private Separation separate(String runtimeName, InnerNetwork network, BenchInput input, double openSeconds,
                                double firstRun) throws PluginException, AudioFormatException {
        Separator separator = new Separator(network, SeparationSettings.DEFAULT);
        int[] segments = {0};
        List<Double> segmentSeconds = new ArrayList<>();
        long t0 = System.nanoTime();
        long[] last = {t0};
        separator.separate(input.audio(), (done, total) -> {
            long now = System.nanoTime();
            segments[0] = total;
            segmentSeconds.add((now - last[0]) / 1e9);
            last[0] = now;
            log.printf(Locale.ROOT, "[bench] separation %s: segment %d/%d, %.1f s%n", runtimeName, done, total,
                    (now - t0) / 1e9);
            log.flush();
        });
        double wall = (System.nanoTime() - t0) / 1e9;
        double audio = input.seconds();
        double[] perSegment = segmentSeconds.stream().mapToDouble(Double::doubleValue).toArray();
        return new Separation(runtimeName, StepStatus.OK, null, settings.threads(), openSeconds, firstRun, audio,
                segments[0], wall, wall / segments[0], Stats.of(perSegment), segmentSeconds, wall / audio, audio / wall);
    }

    /** Per op: calls and wall nanoseconds so far (reference sessions only; empty otherwise). */
    private static Map<String, long[]> opTotals(Session session) {
        Map<String, long[]> totals = new HashMap<>();
        if (session instanceof ReferenceSession rs) {
            for (ReferenceSession.OpProfile p : rs.profile()) totals.put(p.op(), new long[] {p.calls(), p.wall().toNanos()});
        }
        return totals;
    }

    /** The ops' share of the timed runs only (the warm-up's totals subtracted), slowest first. */
    private static List<OpTime> opProfile(Map<String, long[]> before, Map<String, long[]> after) {
        long total = 0;
        Map<String, long[]> delta = new HashMap<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long[] d = {e.getValue()[0] - b[0], e.getValue()[1] - b[1]};
            if (d[0] == 0) continue;
            delta.put(e.getKey(), d);
            total += d[1];
        }
        long sum = Math.max(1, total);
        List<OpTime> list = new ArrayList<>();
        delta.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]))
                .forEach(e -> list.add(new OpTime(e.getKey(), e.getValue()[0], e.getValue()[1] / 1e9,
                        e.getValue()[1] / (double) sum)));
        return list;
    }

    /** The first training-length segment of the input, zero-padded, C order. */
    private static float[] firstSegment(Audio audio, InnerNetwork network) {
        int length = network.trainingLength(), channels = network.channels();
        float[] mix = new float[channels * length];
        for (int c = 0; c < channels; c++) {
            float[] ch = audio.samples()[Math.min(c, audio.channels() - 1)];
            System.arraycopy(ch, 0, mix, c * length, Math.min(length, ch.length));
        }
        return mix;
    }

    static ReferenceSegment failedSegment(String why, int threads, Double openSeconds, Double firstRun) {
        return new ReferenceSegment(StepStatus.FAILED, why, threads, openSeconds, firstRun, null, null);
    }

    static ReferenceSegment skippedSegment(String why, int threads) {
        return new ReferenceSegment(StepStatus.SKIPPED, why, threads, null, null, null, null);
    }

    static Separation failedSeparation(String runtime, String why, int threads, Double openSeconds, Double firstRun) {
        return new Separation(runtime, StepStatus.FAILED, why, threads, openSeconds, firstRun, null, null, null, null, null, null,
                null, null);
    }

    static Separation skippedSeparation(String runtime, String why, int threads) {
        return new Separation(runtime, StepStatus.SKIPPED, why, threads, null, null, null, null, null, null, null, null,
                null, null);
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return (m == null || m.isBlank() ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }

    static boolean isReference(String runtimeName) { return runtimeName.equals(ReferenceRuntime.NAME); }
}

package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.runtime.reference.ReferenceSession;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.Session;
import dev.htdemucs.dsp.DemucsSpectrogram;
import dev.htdemucs.separation.InnerNetwork;

import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The {@code auto} selector's calibration songs ({@link CalibrationSong#song} 0 … n−1), their inputs for
 * the graph, and the fp32 package's outputs on each: the references every plan is measured against.
 *
 * <p>A plan's accuracy is its worst SNR over all songs, outputs and sources ({@link OutputSnr} per song)
 * of what the user gets from the package. For the inner network (outputs {@code spec_out [1, S, 2C, F, T]}
 * and {@code wave_out [1, S, C, L]}) that is the separated {@value #STEMS}, {@code istft(spec_out) +
 * wave_out} as the host computes them, per source: the two outputs are never heard apart, and the stem's
 * SNR is bounded by neither of theirs — where the two branches partly cancel, the stem is quieter than
 * either while their noises add; where one branch carries little of a source, its error hardly shows. For
 * any other graph it is the graph's outputs.
 * Since one song below the requirement already decides that a plan misses, {@link #measure} runs first
 * the songs that came out worst so far and stops at the first that misses: a missing plan usually costs
 * one run, a passing plan one run per song.
 */
final class CalibrationRuns {
    /** A plan measured on the songs in {@code songsRun} order; complete when every song was run. */
    record Measured(OutputSnr worst, int songsRun, boolean complete) {
        boolean reaches(double requiredDb) { return complete && worst.reaches(requiredDb); }
    }

    /** What is measured for the inner network: the separated stems {@code [1, S, C, L]}. */
    static final String STEMS = "stems";

    private final Graph graph;
    private final int sources;
    /** The host's spectrogram for the stems; null when the graph is not the inner network. */
    private final DemucsSpectrogram spectrogram;
    private final ModelRuntime runtime;
    private final Options runtimeOptions;
    private final List<CalibrationSong.Song> songs = new ArrayList<>();
    private final List<Map<String, Tensor>> inputs = new ArrayList<>();
    private final List<Map<String, Tensor>> references = new ArrayList<>();
    /** What is measured of the references: the stems, or the outputs. */
    private final List<Map<String, Tensor>> measuredReferences = new ArrayList<>();
    /** Each song's worst SNR in the last run that measured it (NaN: not yet measured). */
    private final double[] lastDb;
    /** Where a run takes checkpoints, as fractions of its steps: late, where the search's plans differ least. */
    private static final double[] CHECKPOINTS = {0.85, 0.92, 0.96};
    /** Checkpoints are kept of this many most recent runs per song ... */
    private static final int KEPT_RUNS = 2;
    /**
     * ... while all of them together hold at most this many bytes of activations (older runs' go first).
     * They are held softly: when a run needs the heap, the garbage collector drops them (and later runs
     * start from the beginning) rather than fail.
     */
    private static final long CHECKPOINT_BYTES = Math.min(1L << 30, java.lang.Runtime.getRuntime().maxMemory() / 8);
    /** Per song, the checkpoints of its most recent runs, newest run first. */
    private final List<List<SoftReference<List<ReferenceSession.Checkpoint>>>> checkpointRuns = new ArrayList<>();
    private long resumedSteps;

    /**
     * Builds the inputs of songs 0 … count−1 and runs the fp32 package on each.
     *
     * @param sources the model's source count (outputs split by source are measured per source)
     * @param runtime runs the graph, with each plan's casts ({@link PrecisionCasts}), and rounds where it declares fp16
     */
    CalibrationRuns(Graph graph, ModelMetadata metadata, int count, int sources, ModelRuntime runtime, Options runtimeOptions)
            throws PluginException {
        if (count < 1) throw new PluginException("the auto selector needs at least one calibration song, got " + count);
        this.graph = graph;
        this.sources = sources;
        this.runtime = runtime;
        this.runtimeOptions = runtimeOptions;
        this.lastDb = new double[count];
        this.spectrogram = innerSpectrogram(graph, metadata);
        Arrays.fill(lastDb, Double.NaN);
        for (int i = 0; i < count; i++) {
            CalibrationSong.Song song = CalibrationSong.song(i);
            songs.add(song);
            inputs.add(CalibrationSong.inputs(graph, metadata, song));
            checkpointRuns.add(new ArrayList<>());
        }
        try (Session s = runtime.open(graph, runtimeOptions)) {
            for (Map<String, Tensor> in : inputs) {
                Map<String, Tensor> out = s.run(in);
                references.add(out);
                measuredReferences.add(measured(out));
            }
        }
    }

    int count() { return songs.size(); }

    /** True when the graph is the inner network, whose stems are measured. */
    boolean measuresStems() { return spectrogram != null; }

    CalibrationSong.Song song(int i) { return songs.get(i); }

    Map<String, Tensor> inputs(int i) { return inputs.get(i); }

    /** The fp32 package's outputs on song i. */
    Map<String, Tensor> reference(int i) { return references.get(i); }

    /**
     * Measures {@code plan}'s package song by song, worst-so-far first, until a song falls below
     * {@code requiredDb} (then the result is that song's SNR, incomplete) or every song was run (then it
     * is the worst over all songs). The worst output is named with its song, e.g. "song 2 wave_out[source 3]".
     */
    Measured measure(PrecisionPlan plan, double requiredDb) throws PluginException {
        Integer[] order = new Integer[songs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        // measured songs by their last SNR, lowest first, then songs not measured yet, by number
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> Double.isNaN(lastDb[i]) ? Double.POSITIVE_INFINITY : lastDb[i])
                .thenComparingInt(i -> i));
        OutputSnr worst = null;
        int run = 0;
        try (Session s = open(plan)) {
            for (int i : order) {
                OutputSnr snr = OutputSnr.measure(measuredReferences.get(i), measured(runFromCheckpoint(s, i)), sources);
                run++;
                lastDb[i] = snr.worstDb();
                if (worst == null || !(snr.worstDb() >= worst.worstDb())) worst = new OutputSnr(snr.worstDb(), "song " + i + " " + snr.worst());
                if (!snr.reaches(requiredDb)) break;
            }
        }
        return new Measured(worst, run, run == songs.size());
    }

    /**
     * Song i's outputs of session s, from the latest step that an earlier plan's run on song i computed
     * just as s does, when there is one: plans the search tries one after the other differ in a few ops,
     * often near the end of the graph, so a run usually resumes from a checkpoint of the previous plan's
     * run instead of computing the same activations again. Same outputs, bit for bit.
     */
    private Map<String, Tensor> runFromCheckpoint(Session s, int i) throws PluginException {
        if (!(s instanceof ReferenceSession rs)) return s.run(inputs.get(i));
        ReferenceSession.Checkpoint from = null;
        for (ReferenceSession.Checkpoint c : checkpoints(i)) {
            if (rs.resumableFrom(c) && (from == null || c.step() > from.step())) from = c;
        }
        int n = rs.stepCount();
        int[] at = new int[CHECKPOINTS.length];
        for (int k = 0; k < at.length; k++) at[k] = (int) (CHECKPOINTS[k] * n);
        List<ReferenceSession.Checkpoint> taken = new ArrayList<>();
        Map<String, Tensor> out = rs.run(inputs.get(i), from, at, taken);
        resumedSteps += from == null ? 0 : from.step();
        // a resumed run takes no checkpoint before where it started: this plan shares those with `from`'s
        if (from != null) for (ReferenceSession.Checkpoint c : checkpoints(i)) if (c.step() <= from.step() && rs.resumableFrom(c)) taken.add(c);
        from = null;
        List<SoftReference<List<ReferenceSession.Checkpoint>>> runs = checkpointRuns.get(i);
        runs.add(0, new SoftReference<>(taken));
        while (runs.size() > KEPT_RUNS) runs.remove(runs.size() - 1);
        trimCheckpoints();
        return out;
    }

    /** Drops the oldest runs' checkpoints while all of them together hold more than the budget. */
    private void trimCheckpoints() {
        while (true) {
            java.util.Set<float[]> arrays = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            long bytes = 0;
            int oldestSong = -1, oldestAge = -1;
            for (int i = 0; i < checkpointRuns.size(); i++) {
                List<SoftReference<List<ReferenceSession.Checkpoint>>> runs = checkpointRuns.get(i);
                for (SoftReference<List<ReferenceSession.Checkpoint>> run : runs) {
                    for (ReferenceSession.Checkpoint c : run.get() == null ? List.<ReferenceSession.Checkpoint>of() : run.get()) {
                        for (FloatTensor t : c.values().values()) if (arrays.add(t.data())) bytes += 4L * t.data().length;
                    }
                }
                if (runs.size() > 1 && runs.size() - 1 > oldestAge) { oldestAge = runs.size() - 1; oldestSong = i; }
            }
            if (bytes <= CHECKPOINT_BYTES || oldestSong < 0) return;
            List<SoftReference<List<ReferenceSession.Checkpoint>>> runs = checkpointRuns.get(oldestSong);
            runs.remove(runs.size() - 1);
        }
    }

    /** Song i's checkpoints the garbage collector left. */
    private List<ReferenceSession.Checkpoint> checkpoints(int i) {
        List<ReferenceSession.Checkpoint> all = new ArrayList<>();
        for (SoftReference<List<ReferenceSession.Checkpoint>> run : checkpointRuns.get(i)) {
            List<ReferenceSession.Checkpoint> cs = run.get();
            if (cs != null) all.addAll(cs);
        }
        return all;
    }

    /** Steps skipped by resuming from checkpoints, over all runs so far. */
    long resumedSteps() { return resumedSteps; }

    /** {@code plan}'s package measured on every song, by song number. */
    OutputSnr[] measureEach(PrecisionPlan plan) throws PluginException {
        OutputSnr[] each = new OutputSnr[songs.size()];
        try (Session s = open(plan)) {
            for (int i = 0; i < each.length; i++) {
                each[i] = OutputSnr.measure(measuredReferences.get(i), measured(s.run(inputs.get(i))), sources);
                lastDb[i] = each[i].worstDb();
            }
        }
        return each;
    }

    /** A session running the graph as {@code plan} realises it: with its casts and fp16 constants. */
    private Session open(PrecisionPlan plan) throws PluginException {
        return runtime.open(PrecisionCasts.apply(graph, plan), runtimeOptions);
    }

    /** The song measured worst so far (the lowest number among equals, song 0 before any measurement). */
    int worstSong() {
        int worst = 0;
        for (int i = 1; i < lastDb.length; i++) {
            if (!Double.isNaN(lastDb[i]) && (Double.isNaN(lastDb[worst]) || lastDb[i] < lastDb[worst])) worst = i;
        }
        return worst;
    }

    /**
     * The spectrogram of an inner network ({@code spec_out [1, S, 2C, F, T]}, {@code wave_out [1, S, C, L]}):
     * n_fft and hop from the metadata, or n_fft = 2F and hop = n_fft/4 when it has none, as for its input.
     */
    private static DemucsSpectrogram innerSpectrogram(Graph graph, ModelMetadata metadata) {
        Value spec = graph.outputs().get(InnerNetwork.SPEC_OUT), wave = graph.outputs().get(InnerNetwork.WAVE_OUT);
        if (spec == null || wave == null || spec.type().rank() != 5 || wave.type().rank() != 4) return null;
        int s = wave.type().dim(1), c = wave.type().dim(2);
        if (spec.type().dim(0) != 1 || wave.type().dim(0) != 1 || spec.type().dim(1) != s || spec.type().dim(2) != 2 * c) return null;
        int nfft = metadata != null && metadata.nfft() > 0 ? metadata.nfft() : 2 * spec.type().dim(3);
        int hop = metadata != null && metadata.hop() > 0 ? metadata.hop() : nfft / 4;
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(nfft, hop);
        if (spectrogram.bins() != spec.type().dim(3) || spectrogram.frames(wave.type().dim(3)) != spec.type().dim(4)) return null;
        return spectrogram;
    }

    /** For the inner network, the stems {@code istft(spec_out) + wave_out}; for any other graph, its outputs. */
    private Map<String, Tensor> measured(Map<String, Tensor> outputs) {
        if (spectrogram == null) return outputs;
        Tensor spec = outputs.get(InnerNetwork.SPEC_OUT), wave = outputs.get(InnerNetwork.WAVE_OUT);
        int[] w = wave.shape();
        float[] stems = InnerNetwork.stems(spectrogram, spec.toFloatArray(), wave.toFloatArray(), w[1], w[2], spec.shape()[4], w[3]);
        return Map.of(STEMS, Tensor.ofFloats(w, stems));
    }
}

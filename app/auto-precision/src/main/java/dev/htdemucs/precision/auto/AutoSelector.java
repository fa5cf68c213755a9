package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.precision.EffectivePrecision;
import dev.htdemucs.precision.Fp16Selector;
import dev.htdemucs.runtime.reference.ReferenceRuntime;
import dev.htdemucs.runtime.reference.ReferenceSession;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.Session;
import dev.htdemucs.spi.UsesPlugins;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code auto}: the fewest fp32 ops that keep the model within a target signal-to-noise ratio of its fp32
 * self (option {@code target_snr}, dB, default 60) — on music it never heard, not only on what it
 * calibrated on.
 *
 * <p><b>Measure.</b> Every accuracy figure is measured on the graph as a plan realises it: with the casts and
 * fp16 constants of {@link dev.htdemucs.precision.PrecisionCasts}, run on the runtime {@code reference} of the
 * plugins that discovered this selector (so plugin ops and passes of {@code --plugin-path} count), which
 * rounds to fp16 wherever the graph declares fp16 — the roundings the package makes, op for op, without
 * writing and reading a package. Accuracy is the SNR
 * {@code 10·log10(Σ ref² / Σ (ref − out)²)} against the fp32 package of what the user gets: for the inner
 * network, each separated stem {@code istft(spec_out) + wave_out} (the host's iSTFT), per source — the two
 * outputs are never heard apart, and the stem's SNR is bounded by neither of theirs (see
 * {@link CalibrationRuns}); for another graph, each output, per source for outputs split by source
 * ({@code [1, S, …]}). The worst one counts.
 *
 * <p><b>Calibration songs.</b> The inputs are one segment of each of {@code songs} {@link CalibrationSong}s
 * (default {@value #DEFAULT_SONGS}: the default arrangement and arrangements drawn at random — tempo, key,
 * balance of drums, bass, pad and lead, width, level). A plan reaches the target when its worst SNR over
 * all songs is at least {@code target_snr + margin_db}. The margin (default {@value #DEFAULT_MARGIN_DB} dB)
 * is for music none of the songs resembles: which ops matter most depends on the song (a quiet source
 * suffers first from noise shared by all sources, and which source is quiet changes), so a plan tuned to
 * the last tenth of a dB on some songs lands below it on others. The default is the largest such shortfall
 * measured with {@code CalibrationSpread} (test sources) on htdemucs_6s: songs 3…7, held out, against the
 * worst of songs 0…2, for the fp16 plan and the plans {@code auto} picks at 60, 65 and 70 dB with no margin
 * (see the module README for the numbers).
 *
 * <p><b>Algorithm.</b>
 * <ol>
 *   <li>Run the fp32 package on every song: the reference outputs.</li>
 *   <li>Run the {@code fp16} plan (every op fp16 that {@link EffectivePrecision} allows). If it reaches
 *       the target plus margin on every song, that is the plan.</li>
 *   <li>Run the fp32 graph once more on the song fp16 did worst on ({@code probe_songs} > 1: on more songs,
 *       the model summing their noise-to-signal ratios) with an {@link Fp16NoiseProbe}: at each op, from
 *       the fp32 activations, the noise fp16 storage would inject (rounding of its result, of its constants)
 *       and the op's noise gain from each operand. {@link Fp16NoiseModel} propagates the gains back from
 *       the outputs, so that every place where fp16 rounds (an op's result, or a cast where an fp16 op
 *       reads an fp32 value) gets a predicted share of output noise, and orders the ops by how much noise
 *       keeping them fp32 removes (greedy, one op or one producer/consumer pair at a time), with the
 *       predicted output noise after each step. The model is off mostly by a constant factor, which the
 *       search measures.</li>
 *   <li>Search the number {@code k} of leading ops of that order kept fp32 with package runs, keeping the
 *       bracket (largest {@code k} measured to miss, smallest measured to reach; all candidates fp32 is the
 *       fp32 package and reaches any target). Each probe is where the model, shifted by the offset
 *       measured at the nearest probes, crosses the target plus margin (+0.25 dB); after m ≥ 2 probes in
 *       a row on the same side, 2^(m−1) times as far from that side's end of the bracket, so a model that
 *       keeps erring one way costs only logarithmically many runs. A probe runs the songs worst-first and
 *       stops at the first that misses. At most {@code max_runs} probes (default 6); the result is the
 *       smallest {@code k} measured to reach the target plus margin on every song.</li>
 * </ol>
 * Data movement (reshape, transpose, slice, split, concat, pad) follows its operands' precision, so it
 * never adds a rounding. The result went through {@link EffectivePrecision}, and is deterministic: same
 * graph, metadata and options, same plan (the reference kernels do not depend on the thread count).
 * Cost, in package runs of one segment: {@code songs} references, then {@code songs} if fp16 is good enough;
 * else up to {@code songs} for fp16, about 2.5 per probed song, and per search probe 1 (a miss, usually)
 * to {@code songs} (a pass). Progress goes to stderr, one line per step.
 *
 * <p>Options: {@code target_snr} (dB, default 60), {@code margin_db} (dB ≥ 0, default
 * {@value #DEFAULT_MARGIN_DB}), {@code songs} (calibration songs, default {@value #DEFAULT_SONGS}),
 * {@code probe_songs} (songs the noise model probes, default {@value #DEFAULT_PROBE_SONGS}), {@code max_runs}
 * (search probes after step 2, default 6), {@code threads} (reference runtime threads, default all processors).
 */
public final class AutoSelector implements PrecisionSelector, UsesPlugins {
    public static final String TARGET_SNR = "target_snr";
    public static final String MAX_RUNS = "max_runs";
    public static final String THREADS = "threads";
    public static final String SONGS = "songs";
    public static final String MARGIN_DB = "margin_db";
    public static final String PROBE_SONGS = "probe_songs";
    public static final double DEFAULT_TARGET_SNR = 60;
    public static final int DEFAULT_SONGS = 3;
    public static final int DEFAULT_PROBE_SONGS = 1;
    public static final double DEFAULT_MARGIN_DB = 4;
    public static final int DEFAULT_MAX_RUNS = 6;
    /** Probes aim this far above the target, so that a slightly optimistic model still lands on the passing side. */
    static final double AIM_ABOVE_DB = 0.25;

    private final PrintStream progress;
    private Plugins plugins;

    public AutoSelector() { this(System.err); }

    /** @param progress where progress lines go (null: nowhere) */
    public AutoSelector(PrintStream progress) { this.progress = progress; }

    @Override public void usePlugins(Plugins plugins) { this.plugins = plugins; }

    @Override public String name() { return "auto"; }

    /** The runtime plans are measured on: {@value ReferenceRuntime#NAME}, from the plugins that discovered this selector. */
    private ModelRuntime reference() throws PluginException {
        if (plugins == null) {
            throw new PluginException("precision selector " + name() + " measures plans on the runtime " + ReferenceRuntime.NAME
                    + ": obtain it from Plugins (or call usePlugins first)");
        }
        return plugins.get(ModelRuntime.class, ReferenceRuntime.NAME);
    }

    @Override public String description() {
        return "fewest fp32 ops that keep every stem (or output) within target_snr dB (default 60) of fp32, measured on "
                + DEFAULT_SONGS + " calibration songs with margin_db (default " + DEFAULT_MARGIN_DB + ") to spare for other music";
    }

    /** What {@link #select} found, for callers that want more than the plan. */
    public record Result(PrecisionPlan plan, double targetDb, double marginDb, double snrDb, String worstOutput, int fp32Ops,
                         int fp16Ops, int searchRuns, boolean exact) {}

    @Override public PrecisionPlan select(LoadedModel model, Options options) throws PluginException {
        return search(model, options).plan();
    }

    public Result search(LoadedModel model, Options options) throws PluginException {
        Options o = options == null ? Options.NONE : options;
        double target = o.getDouble(TARGET_SNR, DEFAULT_TARGET_SNR);
        if (!Double.isFinite(target)) throw new PluginException("option " + TARGET_SNR + " must be a finite number of dB, got " + target);
        double margin = o.getDouble(MARGIN_DB, DEFAULT_MARGIN_DB);
        if (!(margin >= 0) || !Double.isFinite(margin)) {
            throw new PluginException("option " + MARGIN_DB + " must be a finite number of dB >= 0, got " + margin);
        }
        int songCount = o.getInt(SONGS, DEFAULT_SONGS);
        if (songCount < 1) throw new PluginException("option " + SONGS + " must be >= 1, got " + songCount);
        int probeCount = Math.min(songCount, o.getInt(PROBE_SONGS, DEFAULT_PROBE_SONGS));
        if (probeCount < 1) throw new PluginException("option " + PROBE_SONGS + " must be >= 1, got " + probeCount);
        int maxRuns = o.getInt(MAX_RUNS, DEFAULT_MAX_RUNS);
        if (maxRuns < 0) throw new PluginException("option " + MAX_RUNS + " must be >= 0, got " + maxRuns);
        Options runtimeOptions = o.has(THREADS) ? Options.of(ReferenceRuntime.THREADS, o.get(THREADS, "")) : Options.NONE;
        double required = target + margin;
        Graph graph = model.graph();
        int sources = model.metadata() == null ? 0 : model.metadata().sources().size();

        PrecisionPlan fp16 = EffectivePrecision.resolve(graph, new Fp16Selector().select(model, o));
        Set<String> candidates = new LinkedHashSet<>();
        fp16.byNode().forEach((node, p) -> { if (p == Precision.FP16) candidates.add(node); });
        if (candidates.isEmpty()) {
            log("auto: no op of %s can compute in fp16; everything stays fp32", graph.name());
            return result(graph, fp16, target, margin, Double.POSITIVE_INFINITY, "-", 0, true);
        }

        long t0 = System.nanoTime();
        ModelRuntime reference = reference();
        CalibrationRuns songs = new CalibrationRuns(graph, model.metadata(), songCount, sources, reference, runtimeOptions);
        log("auto: target %.1f dB + margin %.1f dB on %s (%d ops could be fp16); calibrating on %d synthetic songs, %s",
                target, margin, songs.measuresStems() ? "the stems istft(spec_out) + wave_out" : String.join(", ", graph.outputs().keySet()),
                candidates.size(), songCount, describe(songs.inputs(0)));
        for (int i = 0; i < songs.count(); i++) log("auto:   %s", songs.song(i));
        log("auto: [1] fp32 package on %d songs (the references): %.1f s", songCount, seconds(t0));

        t0 = System.nanoTime();
        CalibrationRuns.Measured allFp16 = songs.measure(fp16, required);
        log("auto: [2] fp16 package (%d fp32 ops): %s, %.1f s", fp32Count(fp16), describe(allFp16, songCount), seconds(t0));
        if (allFp16.reaches(required)) {
            log("auto: every op that can be fp16 is fp16: %s >= %.1f dB", allFp16.worst(), required);
            return result(graph, fp16, target, margin, allFp16.worst().worstDb(), allFp16.worst().worst(), 0, true);
        }

        t0 = System.nanoTime();
        List<Integer> probedSongs = new ArrayList<>();
        probedSongs.add(songs.worstSong());
        for (int i = 0; i < songs.count() && probedSongs.size() < probeCount; i++) if (!probedSongs.contains(i)) probedSongs.add(i);
        Set<String> probed = new LinkedHashSet<>();
        for (Node n : graph.nodes()) if (!n.op().equals("const")) probed.add(n.name());
        List<Fp16NoiseModel.Probed> probeRuns = new ArrayList<>();
        try (Session opened = reference.open(graph, runtimeOptions)) {
            if (!(opened instanceof ReferenceSession s)) {
                throw new PluginException("the noise probe observes every op of a " + ReferenceSession.class.getSimpleName()
                        + "; runtime " + ReferenceRuntime.NAME + " opened a " + opened.getClass().getName());
            }
            for (int song : probedSongs) {
                Fp16NoiseProbe probe = new Fp16NoiseProbe(probed);
                s.run(songs.inputs(song), Set.of(), probe);
                probeRuns.add(new Fp16NoiseModel.Probed(probe.measured(), weakestSourcePowers(songs.reference(song), sources)));
            }
        }
        Fp16NoiseModel noiseModel = new Fp16NoiseModel(graph, candidates, probeRuns);
        log("auto: [3] fp16 noise probe of %d ops on songs %s: %.1f s; %d ops ranked, model predicts %.1f dB for all fp16 (measured %.1f)",
                probed.size(), probedSongs, seconds(t0), noiseModel.order().size(), db(noiseModel.predicted(0)), allFp16.worst().worstDb());

        Search search = new Search(noiseModel, required, allFp16.worst());
        int runs = 0;
        while (!search.converged() && runs < maxRuns) {
            int k = search.nextProbe();
            PrecisionPlan plan = EffectivePrecision.resolve(graph, noiseModel.plan(k));
            t0 = System.nanoTime();
            CalibrationRuns.Measured snr = songs.measure(plan, required);
            runs++;
            search.record(k, snr);
            log("auto: [%d] %d ranked ops fp32 (%d fp32 ops in all): %s, model %.1f dB, %s; bracket (%d, %d], %.1f s",
                    3 + runs, k, fp32Count(plan), describe(snr, songCount), db(noiseModel.predicted(k)),
                    snr.reaches(required) ? "reaches the target" : "misses", search.lo(), search.hi(), seconds(t0));
        }
        int k = search.hi();
        OutputSnr at = search.measured(k);
        PrecisionPlan plan = EffectivePrecision.resolve(graph, noiseModel.plan(k));
        boolean exact = search.converged();
        log("auto: %d ranked ops fp32 after %d search runs%s: %s",
                k, runs, exact ? "" : " (run limit " + MAX_RUNS + "=" + maxRuns + " reached; the bracket was ("
                        + search.lo() + ", " + search.hi() + "])", at == null ? "all fp32" : at.toString());
        return result(graph, plan, target, margin, at == null ? Double.POSITIVE_INFINITY : at.worstDb(), at == null ? "-" : at.worst(),
                runs, exact);
    }

    /**
     * Bisection of the number k of leading ranked ops kept fp32, guided by the calibrated noise model.
     * {@code lo} misses the target (k = 0 was measured), {@code hi} reaches it (all ranked ops fp32 is the
     * fp32 model).
     */
    static final class Search {
        private final Fp16NoiseModel model;
        private final double required;
        private final TreeMap<Integer, OutputSnr> measured = new TreeMap<>();
        private int lo = 0, hi;
        private Boolean lastPassed;
        /** How many probes in a row landed on the same side of the target. */
        private int sameSide;

        /** @param required the SNR a plan must reach on every calibration song (target + margin) */
        Search(Fp16NoiseModel model, double required, OutputSnr atZero) {
            this.model = model;
            this.required = required;
            this.hi = model.order().size();
            measured.put(0, atZero);
        }

        int lo() { return lo; }
        int hi() { return hi; }
        boolean converged() { return hi - lo <= 1; }
        OutputSnr measured(int k) { return measured.get(k); }

        /**
         * Where the calibrated model crosses the target; after m ≥ 2 probes in a row on one side, 2^(m−1)
         * times as far from that side's end of the bracket, so that a model that keeps erring one way
         * costs only logarithmically many runs.
         */
        int nextProbe() {
            int crossing = Math.max(lo + 1, Math.min(hi - 1, modelCrossing()));
            long stretch = 1L << Math.min(30, Math.max(0, sameSide - 1));
            long k = Boolean.FALSE.equals(lastPassed) ? lo + (crossing - lo) * stretch : hi - (hi - crossing) * stretch;
            return (int) Math.max(lo + 1, Math.min(hi - 1, k));
        }

        /** A miss may be measured on fewer songs than all (the first one that missed decides). */
        void record(int k, CalibrationRuns.Measured snr) {
            measured.put(k, snr.worst());
            boolean passed = snr.reaches(required);
            if (passed) hi = Math.min(hi, k); else lo = Math.max(lo, k);
            sameSide = lastPassed != null && lastPassed == passed ? sameSide + 1 : 1;
            lastPassed = passed;
        }

        /** The smallest k in (lo, hi) where the model, shifted by the measured offset, reaches the target. */
        private int modelCrossing() {
            for (int k = lo + 1; k < hi; k++) {
                if (db(model.predicted(k)) + offsetDb(k) >= required + AIM_ABOVE_DB) return k;
            }
            return hi - 1;
        }

        /** Measured minus modelled dB, interpolated between the measured probes around k (finite ones only). */
        private double offsetDb(int k) {
            Map.Entry<Integer, Double> below = null, above = null;
            for (Map.Entry<Integer, OutputSnr> e : measured.entrySet()) {
                double off = e.getValue().worstDb() - db(model.predicted(e.getKey()));
                if (!Double.isFinite(off)) continue;
                if (e.getKey() <= k) below = Map.entry(e.getKey(), off);
                else if (above == null) above = Map.entry(e.getKey(), off);
            }
            if (below == null) return above == null ? 0 : above.getValue();
            if (above == null) return below.getValue();
            double t = (k - below.getKey()) / (double) (above.getKey() - below.getKey());
            return below.getValue() + t * (above.getValue() - below.getValue());
        }
    }

    /**
     * Per output, {@code S · min over sources of Σ y²} (just {@code Σ y²} for outputs not split by source):
     * noise spreads over the sources about evenly, so the quietest source sets the output's SNR.
     */
    private static Map<String, Double> weakestSourcePowers(Map<String, Tensor> outputs, int sources) {
        Map<String, Double> powers = new LinkedHashMap<>();
        outputs.forEach((name, t) -> {
            float[] y = t.toFloatArray();
            int[] shape = t.shape();
            boolean perSource = sources > 1 && shape.length >= 2 && shape[0] == 1 && shape[1] == sources;
            int parts = perSource ? sources : 1, size = y.length / parts;
            double weakest = Double.POSITIVE_INFINITY;
            for (int s = 0; s < parts; s++) {
                double p = 0;
                for (int i = s * size; i < (s + 1) * size; i++) p += (double) y[i] * y[i];
                weakest = Math.min(weakest, p);
            }
            powers.put(name, weakest * parts);
        });
        return powers;
    }

    private static Result result(Graph graph, PrecisionPlan plan, double target, double margin, double snr, String worst, int runs,
                                 boolean exact) {
        int fp32 = fp32Count(plan);
        return new Result(plan, target, margin, snr, worst, fp32, plan.byNode().size() - fp32, runs, exact);
    }

    private static int fp32Count(PrecisionPlan plan) {
        int n = 0;
        for (Precision p : plan.byNode().values()) if (p == Precision.FP32) n++;
        return n;
    }

    private static String describe(CalibrationRuns.Measured m, int songs) {
        return m.complete() ? m.worst() + " over " + songs + " songs" : m.worst() + " (stopped after " + m.songsRun() + " of " + songs + " songs)";
    }

    private static String describe(Map<String, Tensor> inputs) {
        StringBuilder b = new StringBuilder();
        inputs.forEach((name, t) -> b.append(b.length() == 0 ? "" : ", ").append(name).append(' ').append(t.type()));
        return b.toString();
    }

    static double db(double noiseToSignal) { return -10 * Math.log10(noiseToSignal); }

    private static double seconds(long since) { return (System.nanoTime() - since) / 1e9; }

    private void log(String format, Object... args) {
        if (progress != null) {
            progress.println(String.format(Locale.ROOT, format, args));
            progress.flush();
        }
    }
}

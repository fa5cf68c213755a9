package dev.htdemucs.coreml.precision;

import dev.htdemucs.coreml.read.CoreMLReferenceRuntime;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.runtime.reference.ReferenceRuntime;
import dev.htdemucs.runtime.reference.ReferenceSession;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.Session;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code auto}: the fewest fp32 ops that keep the model within a target signal-to-noise ratio of its fp32
 * self (option {@code target_snr}, dB, default 60).
 *
 * <p><b>Measure.</b> Every accuracy figure is measured on the package a plan emits, as
 * {@code coreml-reference} runs it: written to a temporary directory, read back, and run on the reference
 * runtime with results rounded to fp16 wherever the package stores fp16 — so the promise holds for the
 * package, including the extra roundings of ops that lower to several MIL ops. The input is one segment of
 * a {@link CalibrationSong} (and its spectrogram, for the inner network). Accuracy is the SNR
 * {@code 10·log10(Σ ref² / Σ (ref − out)²)} of each output against the fp32 package, per source for
 * outputs split by source ({@code spec_out}, {@code wave_out} {@code [1, S, …]}); the worst one counts.
 *
 * <p><b>Algorithm.</b>
 * <ol>
 *   <li>Run the fp32 package: the reference outputs.</li>
 *   <li>Run the {@code fp16} plan (every op fp16 that {@link EffectivePrecision} allows). If it reaches
 *       the target, that is the plan.</li>
 *   <li>Run the fp32 graph once more with an {@link Fp16NoiseProbe}: at each op, from the fp32 activations,
 *       the noise fp16 storage would inject (rounding of its result, of its constants) and the op's noise
 *       gain from each operand. {@link Fp16NoiseModel} propagates the gains back from the outputs, so that
 *       every place where fp16 rounds (an op's result, or a cast where an fp16 op reads an fp32 value)
 *       gets a predicted share of output noise, and orders the ops by how much noise keeping them fp32
 *       removes (greedy, one op or one producer/consumer pair at a time), with the predicted output noise
 *       after each step. The model is off mostly by a constant factor, which the search measures.</li>
 *   <li>Search the number {@code k} of leading ops of that order kept fp32 with full runs, keeping the
 *       bracket (largest {@code k} measured to miss the target, smallest measured to reach it; all
 *       candidates fp32 is the fp32 package and reaches any target). Each probe is where the model,
 *       shifted by the offset measured at the nearest probes, crosses the target (+0.25 dB); after
 *       m ≥ 2 probes in a row on the same side, 2^(m−1) times as far from that side's end of the bracket,
 *       so a model that keeps erring one way costs only logarithmically many runs. At most
 *       {@code max_runs} runs (default 6); the result is the smallest {@code k} measured to reach the
 *       target.</li>
 * </ol>
 * Data movement (reshape, transpose, slice, split, concat, pad) follows its operands' precision, so it
 * never adds a rounding. The result went through {@link EffectivePrecision}, and is deterministic: same
 * graph, metadata and options, same plan (the reference kernels do not depend on the thread count).
 * Cost: 2 runs when fp16 is good enough, else about 5 + {@code max_runs} run-equivalents (the probe costs
 * about 2–3 runs). Progress goes to stderr, one line per run: on htdemucs_6s a run takes minutes.
 *
 * <p>Options: {@code target_snr} (dB, default 60), {@code max_runs} (search runs after step 2, default 6),
 * {@code threads} (reference runtime threads, default all processors).
 */
public final class AutoSelector implements PrecisionSelector {
    public static final String TARGET_SNR = "target_snr";
    public static final String MAX_RUNS = "max_runs";
    public static final String THREADS = "threads";
    public static final double DEFAULT_TARGET_SNR = 60;
    public static final int DEFAULT_MAX_RUNS = 6;
    /** Probes aim this far above the target, so that a slightly optimistic model still lands on the passing side. */
    static final double AIM_ABOVE_DB = 0.25;

    private final PrintStream progress;

    public AutoSelector() { this(System.err); }

    /** @param progress where progress lines go (null: nowhere) */
    public AutoSelector(PrintStream progress) { this.progress = progress; }

    @Override public String name() { return "auto"; }

    @Override public String description() {
        return "fewest fp32 ops that keep every output within target_snr dB (default 60) of fp32, measured on a calibration song";
    }

    /** What {@link #select} found, for callers that want more than the plan. */
    public record Result(PrecisionPlan plan, double targetDb, double snrDb, String worstOutput, int fp32Ops, int fp16Ops,
                         int searchRuns, boolean exact) {}

    @Override public PrecisionPlan select(LoadedModel model, Options options) throws PluginException {
        return search(model, options).plan();
    }

    public Result search(LoadedModel model, Options options) throws PluginException {
        Options o = options == null ? Options.NONE : options;
        double target = o.getDouble(TARGET_SNR, DEFAULT_TARGET_SNR);
        if (!Double.isFinite(target)) throw new PluginException("option " + TARGET_SNR + " must be a finite number of dB, got " + target);
        int maxRuns = o.getInt(MAX_RUNS, DEFAULT_MAX_RUNS);
        if (maxRuns < 0) throw new PluginException("option " + MAX_RUNS + " must be >= 0, got " + maxRuns);
        Options runtimeOptions = o.has(THREADS) ? Options.of(ReferenceRuntime.THREADS, o.get(THREADS, "")) : Options.NONE;
        Graph graph = model.graph();
        int sources = model.metadata() == null ? 0 : model.metadata().sources().size();

        PrecisionPlan fp16 = EffectivePrecision.resolve(graph, new Fp16Selector().select(model, o));
        Set<String> candidates = new LinkedHashSet<>();
        fp16.byNode().forEach((node, p) -> { if (p == Precision.FP16) candidates.add(node); });
        if (candidates.isEmpty()) {
            log("auto: no op of %s can compute in fp16; everything stays fp32", graph.name());
            return result(graph, fp16, target, Double.POSITIVE_INFINITY, "-", 0, true);
        }

        Map<String, Tensor> inputs = CalibrationSong.inputs(graph, model.metadata(), CalibrationSong.DEFAULT_SEED);
        log("auto: target %.1f dB on %s (%d ops could be fp16); calibrating on a synthetic song, %s",
                target, String.join(", ", graph.outputs().keySet()), candidates.size(), describe(inputs));

        long t0 = System.nanoTime();
        Map<String, Tensor> reference = runPackage(graph, PrecisionPlan.uniform(Precision.FP32), inputs, runtimeOptions);
        log("auto: [1] fp32 package (the reference): %.1f s", seconds(t0));

        t0 = System.nanoTime();
        OutputSnr allFp16 = measure(graph, fp16, inputs, reference, sources, runtimeOptions);
        log("auto: [2] fp16 package (%d fp32 ops): %s, %.1f s", fp32Count(fp16), allFp16, seconds(t0));
        if (allFp16.reaches(target)) {
            log("auto: every op that can be fp16 is fp16: %s >= %.1f dB", allFp16, target);
            return result(graph, fp16, target, allFp16.worstDb(), allFp16.worst(), 0, true);
        }

        t0 = System.nanoTime();
        Set<String> probed = new LinkedHashSet<>();
        for (Node n : graph.nodes()) if (!n.op().equals("const")) probed.add(n.name());
        Fp16NoiseProbe probe = new Fp16NoiseProbe(probed);
        try (ReferenceSession s = new ReferenceRuntime().open(graph, PrecisionPlan.uniform(Precision.FP32), runtimeOptions)) {
            s.run(inputs, Set.of(), probe);
        }
        Fp16NoiseModel noiseModel = new Fp16NoiseModel(graph, candidates, probe.measured(), weakestSourcePowers(reference, sources));
        log("auto: [3] fp16 noise probe of %d ops: %.1f s; %d ops ranked, model predicts %.1f dB for all fp16 (measured %.1f)",
                probed.size(), seconds(t0), noiseModel.order().size(), db(noiseModel.predicted(0)), allFp16.worstDb());

        Search search = new Search(noiseModel, target, allFp16);
        int runs = 0;
        while (!search.converged() && runs < maxRuns) {
            int k = search.nextProbe();
            PrecisionPlan plan = EffectivePrecision.resolve(graph, noiseModel.plan(k));
            t0 = System.nanoTime();
            OutputSnr snr = measure(graph, plan, inputs, reference, sources, runtimeOptions);
            runs++;
            search.record(k, snr);
            log("auto: [%d] %d ranked ops fp32 (%d fp32 ops in all): %s, model %.1f dB, %s; bracket (%d, %d], %.1f s",
                    3 + runs, k, fp32Count(plan), snr, db(noiseModel.predicted(k)),
                    snr.reaches(target) ? "reaches the target" : "misses", search.lo(), search.hi(), seconds(t0));
        }
        int k = search.hi();
        OutputSnr at = search.measured(k);
        PrecisionPlan plan = EffectivePrecision.resolve(graph, noiseModel.plan(k));
        boolean exact = search.converged();
        log("auto: %d ranked ops fp32 after %d search runs%s: %s",
                k, runs, exact ? "" : " (run limit " + MAX_RUNS + "=" + maxRuns + " reached; the bracket was ("
                        + search.lo() + ", " + search.hi() + "])", at == null ? "all fp32" : at.toString());
        return result(graph, plan, target, at == null ? Double.POSITIVE_INFINITY : at.worstDb(), at == null ? "-" : at.worst(), runs, exact);
    }

    /**
     * Bisection of the number k of leading ranked ops kept fp32, guided by the calibrated noise model.
     * {@code lo} misses the target (k = 0 was measured), {@code hi} reaches it (all ranked ops fp32 is the
     * fp32 model).
     */
    static final class Search {
        private final Fp16NoiseModel model;
        private final double target;
        private final TreeMap<Integer, OutputSnr> measured = new TreeMap<>();
        private int lo = 0, hi;
        private Boolean lastPassed;
        /** How many probes in a row landed on the same side of the target. */
        private int sameSide;

        Search(Fp16NoiseModel model, double target, OutputSnr atZero) {
            this.model = model;
            this.target = target;
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

        void record(int k, OutputSnr snr) {
            measured.put(k, snr);
            boolean passed = snr.reaches(target);
            if (passed) hi = Math.min(hi, k); else lo = Math.max(lo, k);
            sameSide = lastPassed != null && lastPassed == passed ? sameSide + 1 : 1;
            lastPassed = passed;
        }

        /** The smallest k in (lo, hi) where the model, shifted by the measured offset, reaches the target. */
        private int modelCrossing() {
            for (int k = lo + 1; k < hi; k++) {
                if (db(model.predicted(k)) + offsetDb(k) >= target + AIM_ABOVE_DB) return k;
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

    /** Runs the package {@code plan} emits (written to a temporary directory, read back, fp16 emulated). */
    private static Map<String, Tensor> runPackage(Graph graph, PrecisionPlan plan, Map<String, Tensor> inputs, Options runtimeOptions)
            throws PluginException {
        try (Session s = new CoreMLReferenceRuntime().open(graph, plan, runtimeOptions)) {
            return s.run(inputs);
        }
    }

    private static OutputSnr measure(Graph graph, PrecisionPlan plan, Map<String, Tensor> inputs, Map<String, Tensor> reference,
                                     int sources, Options runtimeOptions) throws PluginException {
        return OutputSnr.measure(reference, runPackage(graph, plan, inputs, runtimeOptions), sources);
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

    private static Result result(Graph graph, PrecisionPlan plan, double target, double snr, String worst, int runs, boolean exact) {
        int fp32 = fp32Count(plan);
        return new Result(plan, target, snr, worst, fp32, plan.byNode().size() - fp32, runs, exact);
    }

    private static int fp32Count(PrecisionPlan plan) {
        int n = 0;
        for (Precision p : plan.byNode().values()) if (p == Precision.FP32) n++;
        return n;
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

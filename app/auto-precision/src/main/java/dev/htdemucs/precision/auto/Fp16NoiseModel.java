package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.precision.EffectivePrecision;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A linear model of how much fp16 noise reaches a graph's outputs for any choice of fp32 ops, built from
 * one {@link Fp16NoiseProbe} pass, and the order in which to keep ops fp32 that it suggests.
 *
 * <p><b>Gains.</b> Each op has a measured noise power gain from each activation operand to each output
 * (rounding noise in, noise out). Going backwards from the outputs, where a unit of noise power counts
 * {@code 1 / Σ y²} of that output, the gain {@code G(v)} of every value {@code v} is the sum over its
 * consumers of the consumer's gain times the gain of the consumer's outputs: the output noise-to-signal
 * ratio one unit of noise power at {@code v} causes. This is what sets apart an op whose result is added,
 * scaled by 10⁻⁴, to a residual stream from one feeding a normalisation that amplifies it.
 *
 * <p><b>Noise sources.</b> Storage in fp16 rounds a value where it is written by an fp16 op, or where an
 * fp16 op reads a value written in fp32 (a cast). So the noise sources are edges: value {@code u} read
 * by op {@code C} adds {@code R(u) · gain(u → out C) · G(out C)} ({@code R} = rounding noise power) unless both
 * {@code C} and the op that wrote {@code u} are fp32; a graph output adds {@code R(v) · G(v)} unless its
 * writer is fp32; an op's fp16 constants add their measured noise times {@code G(out)} unless the op is
 * fp32. Data movement (reshape, transpose, slice, split, concat, pad) never rounds: it stays in the
 * precision its operands arrive in (see {@link #plan}), so edges run from the op that computed a value,
 * through any data movement, to the op that computes with it.
 *
 * <p><b>Order.</b> Greedily, starting from all-fp16: take the op, or the pair of ops joined by an edge,
 * that removes the most modelled noise per op kept fp32 (a pair is needed because an edge only goes quiet
 * when both its ends are fp32); ties go to the op earlier in the graph. {@link #predicted} is the modelled
 * output noise-to-signal ratio after each step. Only ratios of predictions are trusted (the model sums
 * noise powers of all outputs, while accuracy is judged per output and source); the selector calibrates
 * it against measured runs.
 */
final class Fp16NoiseModel {
    /** Ops that only move data: their result is exactly some of their operands' elements. */
    static final Set<String> DATA_MOVEMENT = Set.of("reshape", "transpose", "slice", "split", "concat", "pad");

    private final Graph graph;
    private final Set<String> candidates;
    private final List<String> order = new ArrayList<>();
    private final List<Double> predicted = new ArrayList<>();

    /** A noise source between two endpoints (a node index; INPUT/OUTPUT for the graph boundary, both fp32). */
    private record Source(int a, int b, double noise) {}

    private static final int BOUNDARY = -1;

    /**
     * What one probe run measured: {@link Fp16NoiseProbe} measurements of every non-const op with
     * floating-point outputs, and {@code Σ y²} of each graph output in the fp32 run, by output name.
     */
    record Probed(Map<String, Fp16NoiseProbe.OpNoise> probes, Map<String, Double> outputPowers) {}

    /**
     * @param candidates   ops that may compute in fp16 (all others are fp32)
     * @param probes       {@link Fp16NoiseProbe} measurements of every non-const op with floating-point outputs
     * @param outputPowers {@code Σ y²} of each graph output in the fp32 run, by output name
     */
    Fp16NoiseModel(Graph graph, Set<String> candidates, Map<String, Fp16NoiseProbe.OpNoise> probes, Map<String, Double> outputPowers) {
        this(graph, candidates, List.of(new Probed(probes, outputPowers)));
    }

    /**
     * A model of several inputs at once (one probe run each): the modelled noise is the sum of each
     * input's output noise-to-signal ratio, so the order keeps fp32 first what matters on any of them —
     * the ops one song needs fp32 need not be those another song needs.
     */
    Fp16NoiseModel(Graph graph, Set<String> candidates, List<Probed> runs) {
        this.graph = graph;
        this.candidates = candidates;
        List<Node> nodes = graph.nodes();
        Map<Node, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < nodes.size(); i++) index.put(nodes.get(i), i);
        List<Source> sources = new ArrayList<>();
        for (Probed run : runs) addSources(nodes, index, run.probes(), run.outputPowers(), sources);
        greedyOrder(nodes, sources);
    }

    /** The noise sources of one probe run (see the class comment), in output noise-to-signal units. */
    private void addSources(List<Node> nodes, Map<Node, Integer> index, Map<String, Fp16NoiseProbe.OpNoise> probes,
                            Map<String, Double> outputPowers, List<Source> sources) {
        Map<Value, Double> gainToOutputs = backwardGains(nodes, probes, outputPowers);
        Map<Value, Map<Integer, Double>> originCache = new IdentityHashMap<>();
        for (Node c : nodes) {
            if (c.op().equals("const") || DATA_MOVEMENT.contains(c.op())) continue;
            Fp16NoiseProbe.OpNoise p = probes.get(c.name());
            if (p == null) continue;
            int ci = index.get(c);
            double own = 0;
            for (int k = 0; k < c.outputs().size(); k++) {
                own += times(p.constantNoise()[k], gainToOutputs.getOrDefault(c.outputs().get(k), 0.0));
            }
            if (own > 0) sources.add(new Source(ci, ci, own));
            for (int j = 0; j < c.inputs().size(); j++) {
                double rounding = p.inputRounding()[j];
                if (rounding == 0) continue;
                double edge = p.inputOverflows(j) || !Double.isFinite(rounding)
                        ? Double.POSITIVE_INFINITY : rounding * readGain(c, j, p, gainToOutputs);
                for (Map.Entry<Integer, Double> o : origins(c.input(j), probes, index, originCache).entrySet()) {
                    sources.add(new Source(o.getKey(), ci, edge * o.getValue()));
                }
            }
        }
        for (Map.Entry<String, Value> out : graph.outputs().entrySet()) {
            Value v = out.getValue();
            if (v.isGraphInput() || v.isConstant()) continue;
            Fp16NoiseProbe.OpNoise p = probes.get(v.producer().name());
            if (p == null) continue;
            double rounding = p.outputRounding()[v.producer().outputs().indexOf(v)];
            double noise = times(rounding, 1 / outputPowers.getOrDefault(out.getKey(), 1.0));
            for (Map.Entry<Integer, Double> o : origins(v, probes, index, originCache).entrySet()) {
                sources.add(new Source(o.getKey(), BOUNDARY, noise * o.getValue()));
            }
        }
    }

    private static double finiteOrZero(double x) { return Double.isFinite(x) ? x : 0; }

    /** a·b with 0·∞ = 0 (no noise times any gain is no noise) and ∞·0 = 0 (noise nothing reads). */
    private static double times(double noise, double gain) {
        if (noise == 0 || gain == 0) return 0;
        return noise * gain;
    }

    private Map<Value, Double> backwardGains(List<Node> nodes, Map<String, Fp16NoiseProbe.OpNoise> probes, Map<String, Double> outputPowers) {
        Map<Value, Double> g = new IdentityHashMap<>();
        graph.outputs().forEach((name, v) -> {
            double power = outputPowers.getOrDefault(name, 0.0);
            if (power > 0) g.merge(v, 1 / power, Double::sum);
        });
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node c = nodes.get(i);
            if (c.op().equals("const")) continue;
            Fp16NoiseProbe.OpNoise p = probes.get(c.name());
            if (p == null) continue;
            for (int j = 0; j < c.inputs().size(); j++) {
                Value v = c.input(j);
                if (v == null || v.isConstant() || !v.type().dtype().isFloatingPoint()) continue;
                double readGain = readGain(c, j, p, g);
                if (readGain > 0) g.merge(v, readGain, Double::sum);
            }
        }
        return g;
    }

    /** Output noise-to-signal ratio per unit of noise power on operand j of c. */
    private static double readGain(Node c, int j, Fp16NoiseProbe.OpNoise p, Map<Value, Double> gainToOutputs) {
        double sum = 0;
        for (int k = 0; k < c.outputs().size(); k++) {
            sum += finiteOrZero(p.gain(j, k)) * gainToOutputs.getOrDefault(c.outputs().get(k), 0.0);
        }
        return sum;
    }

    /**
     * The ops (node index, or BOUNDARY for a graph input) that computed value {@code v}, looking through
     * data movement; weights split a concat's rounding noise by its operands' shares.
     */
    private Map<Integer, Double> origins(Value v, Map<String, Fp16NoiseProbe.OpNoise> probes, Map<Node, Integer> index,
                                         Map<Value, Map<Integer, Double>> cache) {
        Map<Integer, Double> known = cache.get(v);
        if (known != null) return known;
        Map<Integer, Double> result = new LinkedHashMap<>();
        if (v.isGraphInput()) {
            result.put(BOUNDARY, 1.0);
        } else if (v.isConstant()) {
            // constants are the reading op's own noise
        } else if (!DATA_MOVEMENT.contains(v.producer().op())) {
            result.put(index.get(v.producer()), 1.0);
        } else {
            Node d = v.producer();
            List<Integer> operands = new ArrayList<>();
            for (int j = 0; j < d.inputs().size(); j++) {
                Value in = d.input(j);
                if (in != null && !in.isConstant() && in.type().dtype().isFloatingPoint()) operands.add(j);
            }
            Fp16NoiseProbe.OpNoise p = probes.get(d.name());
            double total = 0;
            if (p != null) for (int j : operands) total += p.inputRounding()[j];
            for (int j : operands) {
                double share = total > 0 ? p.inputRounding()[j] / total : 1.0 / operands.size();
                for (Map.Entry<Integer, Double> o : origins(d.input(j), probes, index, cache).entrySet()) {
                    result.merge(o.getKey(), o.getValue() * share, Double::sum);
                }
            }
        }
        cache.put(v, result);
        return result;
    }

    /** Modelled noise, with infinities counted apart so that gains compare by how many they remove first. */
    private record Noise(int infinite, double finite) {
        static final Noise ZERO = new Noise(0, 0);

        static Noise of(double x) { return Double.isInfinite(x) ? new Noise(1, 0) : new Noise(0, x); }

        Noise plus(Noise o) { return new Noise(infinite + o.infinite, finite + o.finite); }

        /** Compares this / cost with other / otherCost. */
        int comparePerOp(int cost, Noise other, int otherCost) {
            int byInfinite = Long.compare((long) infinite * otherCost, (long) other.infinite * cost);
            if (byInfinite != 0) return byInfinite;
            return Double.compare(finite * otherCost, other.finite * cost);
        }
    }

    private void greedyOrder(List<Node> nodes, List<Source> sources) {
        int n = nodes.size();
        boolean[] fp32 = new boolean[n];
        boolean[] unit = new boolean[n];
        for (int i = 0; i < n; i++) {
            Node node = nodes.get(i);
            boolean decides = candidates.contains(node.name()) && !DATA_MOVEMENT.contains(node.op());
            unit[i] = decides;
            fp32[i] = !decides; // everything that is no decision unit computes (or is treated as computing) in fp32
        }
        List<List<Source>> incident = new ArrayList<>();
        for (int i = 0; i < n; i++) incident.add(new ArrayList<>());
        sources.removeIf(s -> !(s.noise() > 0)); // no noise, or NaN from a NaN measurement: nothing to rank by
        for (Source s : sources) {
            if (s.a() >= 0) incident.get(s.a()).add(s);
            if (s.b() >= 0 && s.b() != s.a()) incident.get(s.b()).add(s);
        }
        predicted.add(present(sources, fp32));
        int remaining = 0;
        for (int i = 0; i < n; i++) if (unit[i]) remaining++;
        Noise[] single = new Noise[n];
        while (remaining > 0) {
            for (int i = 0; i < n; i++) single[i] = unit[i] && !fp32[i] ? quietedBy(i, incident.get(i), fp32) : null;
            int bestA = -1, bestB = -1;
            Noise best = null;
            int bestCost = 1;
            for (int i = 0; i < n; i++) {
                if (single[i] == null) continue;
                if (best == null || single[i].comparePerOp(1, best, bestCost) > 0) {
                    best = single[i]; bestA = i; bestB = -1; bestCost = 1;
                }
            }
            for (int i = 0; i < n; i++) {
                if (single[i] == null) continue;
                Map<Integer, Noise> between = new HashMap<>();
                for (Source s : incident.get(i)) {
                    int other = s.a() == i ? s.b() : s.a();
                    if (other <= i || single[other] == null) continue; // each pair once, both ends still fp16 units
                    between.merge(other, Noise.of(s.noise()), Noise::plus);
                }
                for (Map.Entry<Integer, Noise> e : new TreeMap<>(between).entrySet()) {
                    Noise pair = single[i].plus(single[e.getKey()]).plus(e.getValue());
                    if (pair.comparePerOp(2, best, bestCost) > 0) {
                        best = pair; bestA = i; bestB = e.getKey(); bestCost = 2;
                    }
                }
            }
            fp32[bestA] = true;
            order.add(nodes.get(bestA).name());
            remaining--;
            if (bestB >= 0) {
                predicted.add(present(sources, fp32));
                fp32[bestB] = true;
                order.add(nodes.get(bestB).name());
                remaining--;
            }
            predicted.add(present(sources, fp32));
        }
    }

    /** Total noise of the sources not yet quieted (summed afresh, so that all-fp32 is exactly 0). */
    private static double present(List<Source> sources, boolean[] fp32) {
        double sum = 0;
        for (Source s : sources) if (s.noise() > 0 && !quiet(s, fp32)) sum += s.noise();
        return sum;
    }

    private static boolean quiet(Source s, boolean[] fp32) {
        return (s.a() < 0 || fp32[s.a()]) && (s.b() < 0 || fp32[s.b()]);
    }

    /** The noise of sources at {@code i} that keeping op i fp32 would quiet. */
    private static Noise quietedBy(int i, List<Source> incident, boolean[] fp32) {
        Noise sum = Noise.ZERO;
        for (Source s : incident) {
            int other = s.a() == i ? s.b() : s.a();
            if (other == i || other < 0 || fp32[other]) sum = sum.plus(Noise.of(s.noise()));
        }
        return sum;
    }

    /** The decision units (fp16 candidates that compute) in the order to keep them fp32. */
    List<String> order() { return order; }

    /** Modelled output noise-to-signal ratio with the first {@code k} ops of {@link #order} in fp32. */
    double predicted(int k) { return predicted.get(k); }

    /**
     * The plan with the first {@code k} ops of {@link #order} in fp32 and the other candidates in fp16;
     * data movement computes in fp16 exactly when every operand it moves arrives in fp16 (so it never
     * rounds); non-candidates are fp32.
     */
    PrecisionPlan plan(int k) {
        Set<String> keep = new java.util.HashSet<>(order.subList(0, k));
        Map<String, Precision> byNode = new LinkedHashMap<>();
        Map<Value, Boolean> fp16Value = new IdentityHashMap<>();
        for (Node node : graph.nodes()) {
            if (!EffectivePrecision.hasPrecision(node)) continue;
            boolean fp16;
            if (!candidates.contains(node.name())) {
                fp16 = false;
            } else if (DATA_MOVEMENT.contains(node.op())) {
                fp16 = true;
                for (Value in : node.inputs()) {
                    if (in != null && !in.isConstant() && in.type().dtype().isFloatingPoint()) fp16 &= fp16Value.getOrDefault(in, false);
                }
            } else {
                fp16 = !keep.contains(node.name());
            }
            byNode.put(node.name(), fp16 ? Precision.FP16 : Precision.FP32);
            for (Value out : node.outputs()) fp16Value.put(out, fp16);
        }
        return new PrecisionPlan(byNode, Precision.FP32);
    }
}

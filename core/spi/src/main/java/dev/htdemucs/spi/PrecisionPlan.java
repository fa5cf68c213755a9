package dev.htdemucs.spi;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per-node compute precision, keyed by node name; nodes not listed run in {@code fallback}. */
public final class PrecisionPlan {
    private final Map<String, Precision> byNode;
    private final Precision fallback;

    public PrecisionPlan(Map<String, Precision> byNode, Precision fallback) {
        this.byNode = Collections.unmodifiableMap(new LinkedHashMap<>(byNode));
        this.fallback = fallback;
    }

    public static PrecisionPlan uniform(Precision p) { return new PrecisionPlan(Map.of(), p); }

    public Precision of(Node node) { return byNode.getOrDefault(node.name(), fallback); }
    public Precision fallback() { return fallback; }
    public Map<String, Precision> byNode() { return byNode; }

    /** Counts of non-const nodes per precision. */
    public Map<Precision, Integer> count(Graph graph) {
        Map<Precision, Integer> c = new java.util.EnumMap<>(Precision.class);
        for (Node n : graph.nodes()) if (!n.op().equals("const")) c.merge(of(n), 1, Integer::sum);
        return c;
    }
}

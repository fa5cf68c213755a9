package dev.htdemucs.precision;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The precision each op is actually emitted in: the plan's choice, except that an op stays fp32 when one of
 * its constants would overflow fp16 ({@link Fp16Range}) or when it computes from constants alone
 * ({@link ConstantSubgraph}). Only ops with floating-point outputs have a
 * precision; const and cast nodes have none (constants are stored in whatever dtype their consumers compute
 * in, and IR casts only say which dtype a value is wanted in).
 */
public final class EffectivePrecision {
    private EffectivePrecision() {}

    public static PrecisionPlan resolve(Graph graph, PrecisionPlan plan) {
        Fp16Range range = new Fp16Range();
        Set<Node> constantOnly = ConstantSubgraph.nodes(graph);
        Map<String, Precision> byNode = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!hasPrecision(n)) continue;
            Precision p = plan.of(n);
            if (p == Precision.FP16 && (constantOnly.contains(n) || !range.constantsFit(n))) p = Precision.FP32;
            byNode.put(n.name(), p);
        }
        return new PrecisionPlan(byNode, Precision.FP32);
    }

    /** Ops whose compute dtype a precision plan decides. */
    public static boolean hasPrecision(Node n) {
        if (n.op().equals("const") || n.op().equals("cast")) return false;
        for (var v : n.outputs()) if (!v.type().dtype().isFloatingPoint()) return false;
        return true;
    }
}

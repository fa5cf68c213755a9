package dev.htdemucs.precision;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Shared by the selectors: fp16 for the ops a rule picks whose constants fit fp16 and that do not compute from
 * constants alone ({@link ConstantSubgraph}), fp32 for all others — the plan {@link EffectivePrecision} emits.
 */
final class PlanBuilder {
    private PlanBuilder() {}

    static PrecisionPlan build(Graph graph, Predicate<Node> wantsFp16) {
        Fp16Range range = new Fp16Range();
        Set<Node> constantOnly = ConstantSubgraph.nodes(graph);
        Map<String, Precision> byNode = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!EffectivePrecision.hasPrecision(n)) continue;
            boolean fp16 = wantsFp16.test(n) && range.constantsFit(n) && !constantOnly.contains(n);
            byNode.put(n.name(), fp16 ? Precision.FP16 : Precision.FP32);
        }
        return new PrecisionPlan(byNode, Precision.FP32);
    }
}

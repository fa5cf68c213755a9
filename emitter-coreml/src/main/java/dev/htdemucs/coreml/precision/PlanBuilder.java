package dev.htdemucs.coreml.precision;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/** Shared by the selectors: fp16 for the ops a rule picks whose constants fit fp16, fp32 for all others. */
final class PlanBuilder {
    private PlanBuilder() {}

    static PrecisionPlan build(Graph graph, Predicate<Node> wantsFp16) {
        Fp16Range range = new Fp16Range();
        Map<String, Precision> byNode = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!EffectivePrecision.hasPrecision(n)) continue;
            boolean fp16 = wantsFp16.test(n) && range.constantsFit(n);
            byNode.put(n.name(), fp16 ? Precision.FP16 : Precision.FP32);
        }
        return new PrecisionPlan(byNode, Precision.FP32);
    }
}

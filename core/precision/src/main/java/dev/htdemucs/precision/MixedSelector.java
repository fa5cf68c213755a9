package dev.htdemucs.precision;

import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;

import java.util.Set;

/**
 * fp16 except for the numerically sensitive ops, which stay fp32 — the usual Core ML recipe of keeping
 * pow, sqrt, real_div, l2_norm, reduce_mean, reduce_sum, softmax and matmul in fp32. In IR op names:
 *
 * <ul>
 *   <li>pow, sqrt, reduce_mean, reduce_sum, softmax, matmul — the same ops;</li>
 *   <li>div — lowers to MIL real_div;</li>
 *   <li>layer_norm and group_norm — they compute a mean, a variance (reduce_mean), a square root and a
 *       division internally (MIL layer_norm; group_norm lowers to reshape + layer_norm);</li>
 *   <li>l2_norm has no IR op.</li>
 * </ul>
 *
 * Everything else (conv, conv_transpose, linear, add, sub, mul, activations, data movement) is fp16, unless
 * its constants would overflow fp16.
 */
public final class MixedSelector implements PrecisionSelector {
    /** IR ops kept in fp32. */
    public static final Set<String> FP32_OPS = Set.of(
            "pow", "sqrt", "div", "reduce_mean", "reduce_sum", "softmax", "matmul", "layer_norm", "group_norm");

    @Override public String name() { return "mixed"; }
    @Override public String description() {
        return "fp16, but pow/sqrt/div/reductions/softmax/matmul/normalisations in fp32";
    }

    @Override public PrecisionPlan select(LoadedModel model, Options options) {
        return PlanBuilder.build(model.graph(), n -> !FP32_OPS.contains(n.op()));
    }
}

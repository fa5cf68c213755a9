package dev.htdemucs.examples;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.coreml.ops.LoweringContext;
import dev.htdemucs.coreml.ops.MilOpMapping;
import dev.htdemucs.coreml.ops.ReadingContext;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * IR {@link LayerScale} ↔ MIL {@code batch_norm} (coremltools {@code ops/defs/iOS15/normalization.py}):
 * {@code y = gamma · (x − mean) / sqrt(variance + epsilon) + beta} per channel of axis 1, with
 * {@code mean = 0}, {@code variance = 1}, {@code epsilon = 0}, no beta and {@code gamma = scale} — exactly
 * x · scale. coremltools' {@code fuse_elementwise_to_batchnorm} pass writes a per-channel mul (+ add) the same
 * way, with mean 0 and variance 1 (and the default epsilon 1e-5; 0 here, so no factor 1/sqrt(1 + 1e-5)).
 *
 * <p>batch_norm's limits hold: x has rank 3 to 5 ({@code [n, C, *D]}) and scale is a constant
 * (gamma is {@code const tensor<[C], T>}); mean, variance, gamma and epsilon are written in the op's compute
 * dtype T (fp16 or fp32). Reading takes back exactly that form — any other batch_norm (statistics, beta, an
 * epsilon) has no IR equivalent and is an error naming the op. Registered in
 * {@code META-INF/services/dev.htdemucs.coreml.ops.MilOpMapping}.
 */
public final class LayerScaleMil implements MilOpMapping {
    static final String MIL_OP = "batch_norm";

    @Override public List<String> irOps() { return List.of(LayerScale.NAME); }
    @Override public List<String> milOps() { return List.of(MIL_OP); }

    @Override public void lower(Node node, LoweringContext ctx) {
        TensorType x = node.input(0).type();
        if (x.rank() < 3 || x.rank() > 5) {
            throw new IllegalArgumentException("MIL batch_norm takes x of rank 3 to 5 ([n, C, *D]), got " + x);
        }
        if (!ctx.isConstant(node, 1)) {
            throw new IllegalArgumentException("the scale must be a constant (MIL batch_norm's gamma is const), got the computed value %"
                    + node.input(1).name());
        }
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        int channels = x.dim(1);
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        ctx.op(MIL_OP).in("x", ctx.input(node, 0, d))
                .in("mean", ctx.constant(out + "_mean", Tensor.ofFloats(new int[] {channels}, new float[channels]), d))
                .in("variance", ctx.constant(out + "_variance", Tensor.ofFloats(new int[] {channels}, ones), d))
                .in("gamma", ctx.input(node, 1, d))
                .in("epsilon", ctx.floatScalar(out, "epsilon", 0, d))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        String form = "batch_norm reads back only as layer_scale (mean 0, variance 1, epsilon 0, gamma, no beta)";
        if (!ctx.has(op, "gamma")) throw ctx.unsupported(op, form + ": it has no gamma");
        if (!all(ctx.reals(op, "mean"), 0f)) throw ctx.unsupported(op, form + ": its mean is not all 0");
        if (!all(ctx.reals(op, "variance"), 1f)) throw ctx.unsupported(op, form + ": its variance is not all 1");
        double epsilon = ctx.real(op, "epsilon", 1e-5);
        if (epsilon != 0) throw ctx.unsupported(op, form + ": its epsilon is " + epsilon);
        if (ctx.has(op, "beta") && !all(ctx.reals(op, "beta"), 0f)) throw ctx.unsupported(op, form + ": it has a beta");
        ctx.define(op, LayerScale.NAME, Attributes.EMPTY, ctx.tensor(op, "x"), ctx.tensor(op, "gamma"));
    }

    /** Whether {@code values} is present and every element equals {@code v}. */
    private static boolean all(float[] values, float v) {
        if (values == null) return false;
        for (float f : values) if (f != v) return false;
        return true;
    }
}

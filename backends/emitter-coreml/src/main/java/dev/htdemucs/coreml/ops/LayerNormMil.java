package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * IR layer_norm ↔ MIL layer_norm (iOS15/17 normalization.py): x, axes, gamma, beta (const, shaped like the
 * normalised axes), epsilon (const, in the compute dtype). A non-constant gamma or beta is applied with
 * mul / add after a plain layer_norm. Reading requires the axes to be trailing and in order, as the IR does.
 */
public final class LayerNormMil implements MilOpMapping {
    static final double DEFAULT_EPSILON = 1e-5;

    @Override public List<String> irOps() { return List.of("layer_norm"); }
    @Override public List<String> milOps() { return List.of("layer_norm"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        TensorType y = MilOpMapping.as(node.output(), d);
        boolean gammaAfter = node.input(1) != null && !ctx.isConstant(node, 1);
        boolean betaAfter = node.input(2) != null && !ctx.isConstant(node, 2);
        String normalized = gammaAfter || betaAfter ? ctx.tempName(out + "_normalized") : out;
        ctx.op("layer_norm").in("x", ctx.input(node, 0, d))
                .in("axes", ctx.ints(normalized, "axes", node.attributes().ints("axes", new int[]{-1})))
                .in("gamma", gammaAfter || betaAfter ? null : ctx.input(node, 1, d))
                .in("beta", gammaAfter || betaAfter ? null : ctx.input(node, 2, d))
                .in("epsilon", ctx.floatScalar(normalized, "epsilon", node.attributes().real("epsilon", DEFAULT_EPSILON), d))
                .out(normalized, y).emit();
        if (gammaAfter || betaAfter) {
            String current = normalized;
            if (node.input(1) != null) {
                String scaled = node.input(2) == null ? out : ctx.tempName(out + "_scaled");
                ctx.op("mul").in("x", current).in("y", ctx.input(node, 1, d)).out(scaled, y).emit();
                current = scaled;
            }
            if (node.input(2) != null) ctx.op("add").in("x", current).in("y", ctx.input(node, 2, d)).out(out, y).emit();
        }
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        int rank = ctx.type(op, "x").rank();
        int[] axes = ctx.ints(op, "axes", java.util.stream.IntStream.range(0, rank).toArray());
        Attributes a = Attributes.of("axes", axes, "epsilon", ctx.real(op, "epsilon", DEFAULT_EPSILON));
        ctx.define(op, "layer_norm", a, ctx.tensor(op, "x"), ctx.tensor(op, "gamma"), ctx.tensor(op, "beta"));
    }
}

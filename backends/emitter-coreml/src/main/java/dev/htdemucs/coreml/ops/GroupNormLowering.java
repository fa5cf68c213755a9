package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;

import java.util.Arrays;
import java.util.List;

/**
 * IR group_norm → MIL primitives (MIL has no group_norm): x [N, C, *S] is reshaped to [N, G, (C/G)·|S|],
 * normalised by layer_norm over the last axis (mean and biased variance over each group's channels and
 * positions, epsilon inside the square root — exactly torch.nn.GroupNorm), reshaped back, then multiplied
 * by gamma and shifted by beta reshaped to [C, 1, ...]. coremltools' torch frontend spells the same
 * normalisation out as reduce_mean / sub / square / reduce_mean / add / sqrt / real_div; one layer_norm op
 * is shorter and cannot overflow fp16 in the squares. Reads back as those reshape / layer_norm / mul / add ops.
 */
public final class GroupNormLowering implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("group_norm"); }
    @Override public List<String> milOps() { return List.of(); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        TensorType x = node.input(0).type();
        int groups = node.attributes().integer("num_groups");
        int n = x.dim(0), c = x.dim(1);
        int perGroup = (int) (x.numel() / ((long) n * groups));
        String out = ctx.outputName(node, 0);
        Value gamma = node.input(1), beta = node.input(2);

        TensorType grouped = new TensorType(d, n, groups, perGroup);
        String g = ctx.tempName(out + "_grouped");
        ctx.op("reshape").in("x", ctx.input(node, 0, d)).in("shape", ctx.ints(g, "shape", grouped.shape()))
                .out(g, grouped).emit();
        String normalized = ctx.tempName(out + "_normalized");
        ctx.op("layer_norm").in("x", g).in("axes", ctx.ints(normalized, "axes", 2))
                .in("epsilon", ctx.floatScalar(normalized, "epsilon", node.attributes().real("epsilon", LayerNormMil.DEFAULT_EPSILON), d))
                .out(normalized, grouped).emit();
        TensorType y = x.withDType(d);
        String current = gamma == null && beta == null ? out : ctx.tempName(out + "_ungrouped");
        ctx.op("reshape").in("x", normalized).in("shape", ctx.ints(current, "shape", x.shape())).out(current, y).emit();

        int[] channelShape = new int[x.rank() - 1];
        Arrays.fill(channelShape, 1);
        channelShape[0] = c;
        if (gamma != null) {
            String scaled = beta == null ? out : ctx.tempName(out + "_scaled");
            ctx.op("mul").in("x", current).in("y", perChannel(ctx, node, 1, channelShape, d)).out(scaled, y).emit();
            current = scaled;
        }
        if (beta != null) {
            ctx.op("add").in("x", current).in("y", perChannel(ctx, node, 2, channelShape, d)).out(out, y).emit();
        }
        ctx.define(node.output(), out, d);
    }

    /** gamma or beta [C] as [C, 1, ...] so that it broadcasts over [N, C, *S]. */
    private static String perChannel(LoweringContext ctx, Node node, int input, int[] shape, DType d) {
        Value v = node.input(input);
        if (v.isConstant()) return ctx.constant(weightName(v) + "_per_channel", v.constantValue().reshape(shape), d);
        String name = ctx.tempName(v.name() + "_per_channel");
        ctx.op("reshape").in("x", ctx.input(node, input, d)).in("shape", ctx.ints(name, "shape", shape))
                .out(name, new TensorType(d, shape)).emit();
        return name;
    }

    /**
     * The name of the weight a constant holds: an fp16 weight that a precision plan's casts made of weight
     * {@code w} is called {@code w_fp16}; its per-channel form is named after {@code w}, as in fp32.
     */
    private static String weightName(Value v) {
        String name = v.name();
        return v.type().dtype() == DType.FLOAT16 && name.endsWith("_fp16") ? name.substring(0, name.length() - "_fp16".length()) : name;
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        throw new IllegalStateException("group_norm owns no MIL op");
    }
}

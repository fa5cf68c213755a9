package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;
import java.util.stream.IntStream;

/** IR reduce_mean, reduce_sum ↔ the MIL ops of the same names (iOS15 reduction.py): x, axes, keep_dims. */
public final class ReductionMil implements MilOpMapping {
    private static final List<String> OPS = List.of("reduce_mean", "reduce_sum");

    @Override public List<String> irOps() { return OPS; }
    @Override public List<String> milOps() { return OPS; }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op(node.op()).in("x", ctx.input(node, 0, d))
                .in("axes", ctx.ints(out, "axes", node.attributes().ints("axes")))
                .in("keep_dims", ctx.bool(out, "keep_dims", node.attributes().bool("keep_dims", false)))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        int rank = ctx.type(op, "x").rank();
        int[] axes = ctx.ints(op, "axes", IntStream.range(0, rank).toArray());
        ctx.define(op, op.type(), Attributes.of("axes", axes, "keep_dims", ctx.bool(op, "keep_dims", false)), ctx.tensor(op, "x"));
    }
}

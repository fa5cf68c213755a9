package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/** IR matmul ↔ MIL matmul (iOS15/17 linear.py): x, y, transpose_x, transpose_y (const bools). */
public final class MatMulMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("matmul"); }
    @Override public List<String> milOps() { return List.of("matmul"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op("matmul").in("x", ctx.input(node, 0, d)).in("y", ctx.input(node, 1, d))
                .in("transpose_x", ctx.bool(out, "transpose_x", node.attributes().bool("transpose_x", false)))
                .in("transpose_y", ctx.bool(out, "transpose_y", node.attributes().bool("transpose_y", false)))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        Attributes a = Attributes.of("transpose_x", ctx.bool(op, "transpose_x", false), "transpose_y", ctx.bool(op, "transpose_y", false));
        ctx.define(op, "matmul", a, ctx.tensor(op, "x"), ctx.tensor(op, "y"));
    }
}

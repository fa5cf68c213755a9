package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.ops.Linear;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * IR linear ↔ MIL linear (iOS15/17 linear.py): x [*D, Din] with rank 1..3, const weight [Dout, Din], const
 * bias [Dout]. Outside those limits (rank > 3 or a non-constant weight or bias) it lowers to
 * matmul(x, weight, transpose_y = true) followed by add(bias).
 */
public final class LinearMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("linear"); }
    @Override public List<String> milOps() { return List.of("linear"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        TensorType y = MilOpMapping.as(node.output(), d);
        boolean hasBias = node.input(2) != null;
        boolean direct = Linear.fused(node);
        if (direct) {
            ctx.op("linear").in("x", ctx.input(node, 0, d)).in("weight", ctx.input(node, 1, d))
                    .in("bias", ctx.input(node, 2, d)).out(out, y).emit();
        } else {
            String product = hasBias ? ctx.tempName(out + "_matmul") : out;
            ctx.op("matmul").in("x", ctx.input(node, 0, d)).in("y", ctx.input(node, 1, d))
                    .in("transpose_x", ctx.bool(product, "transpose_x", false))
                    .in("transpose_y", ctx.bool(product, "transpose_y", true))
                    .out(product, y).emit();
            if (hasBias) ctx.op("add").in("x", product).in("y", ctx.input(node, 2, d)).out(out, y).emit();
        }
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        ctx.define(op, "linear", Attributes.EMPTY, ctx.tensor(op, "x"), ctx.tensor(op, "weight"), ctx.tensor(op, "bias"));
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * IR glu → MIL split (num_splits 2) + sigmoid + mul, as coremltools' torch frontend lowers torch.nn.GLU
 * (MIL has no glu). Reads back as those three ops.
 */
public final class GluLowering implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("glu"); }
    @Override public List<String> milOps() { return List.of(); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        TensorType half = MilOpMapping.as(node.output(), d);
        int axis = node.attributes().integer("axis", -1);
        String a = ctx.tempName(out + "_a"), b = ctx.tempName(out + "_b");
        ctx.op("split").in("x", ctx.input(node, 0, d))
                .in("num_splits", ctx.intScalar(out + "_split", "num_splits", 2))
                .in("axis", ctx.intScalar(out + "_split", "axis", axis))
                .out(a, half).out(b, half).name(out + "_split").emit();
        String gate = ctx.tempName(out + "_gate");
        ctx.op("sigmoid").in("x", b).out(gate, half).emit();
        ctx.op("mul").in("x", a).in("y", gate).out(out, half).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        throw new IllegalStateException("glu owns no MIL op");
    }
}

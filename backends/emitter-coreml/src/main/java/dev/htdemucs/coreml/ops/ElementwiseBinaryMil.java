package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/**
 * IR add, sub, mul, div, pow ↔ MIL add, sub, mul, real_div, pow (iOS15 elementwise_binary: inputs x, y of
 * one dtype, numpy broadcasting).
 */
public final class ElementwiseBinaryMil implements MilOpMapping {
    private static final List<String> IR = List.of("add", "sub", "mul", "div", "pow");
    private static final List<String> MIL = List.of("add", "sub", "mul", "real_div", "pow");

    @Override public List<String> irOps() { return IR; }
    @Override public List<String> milOps() { return MIL; }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op(MIL.get(IR.indexOf(node.op())))
                .in("x", ctx.input(node, 0, d))
                .in("y", ctx.input(node, 1, d))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        ctx.define(op, IR.get(MIL.indexOf(op.type())), Attributes.EMPTY, ctx.tensor(op, "x"), ctx.tensor(op, "y"));
    }
}

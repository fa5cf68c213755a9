package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/** IR sqrt, sigmoid, relu, sin, cos ↔ the MIL ops of the same names (input x; output like x). */
public final class ElementwiseUnaryMil implements MilOpMapping {
    private static final List<String> OPS = List.of("sqrt", "sigmoid", "relu", "sin", "cos");

    @Override public List<String> irOps() { return OPS; }
    @Override public List<String> milOps() { return OPS; }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op(node.op()).in("x", ctx.input(node, 0, d)).out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        ctx.define(op, op.type(), Attributes.EMPTY, ctx.tensor(op, "x"));
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/** IR softmax ↔ MIL softmax (iOS15 activation.py): x, axis. */
public final class SoftmaxMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("softmax"); }
    @Override public List<String> milOps() { return List.of("softmax"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op("softmax").in("x", ctx.input(node, 0, d))
                .in("axis", ctx.intScalar(out, "axis", node.attributes().integer("axis", -1)))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        ctx.define(op, "softmax", Attributes.of("axis", ctx.intScalar(op, "axis", -1)), ctx.tensor(op, "x"));
    }
}

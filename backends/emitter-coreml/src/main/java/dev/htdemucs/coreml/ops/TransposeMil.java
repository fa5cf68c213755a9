package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/** IR transpose ↔ MIL transpose (iOS15 tensor_transformation.py): x, perm. */
public final class TransposeMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("transpose"); }
    @Override public List<String> milOps() { return List.of("transpose"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op("transpose").in("x", ctx.input(node, 0, d)).in("perm", ctx.ints(out, "perm", node.attributes().ints("perm")))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        ctx.define(op, "transpose", Attributes.of("perm", ctx.ints(op, "perm")), ctx.tensor(op, "x"));
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/** IR gelu (exact, erf) ↔ MIL gelu with mode "EXACT"; the approximate modes have no IR equivalent. */
public final class GeluMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("gelu"); }
    @Override public List<String> milOps() { return List.of("gelu"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op("gelu").in("x", ctx.input(node, 0, d)).in("mode", ctx.string(out, "mode", "EXACT"))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        String mode = ctx.string(op, "mode", "EXACT");
        if (!mode.equals("EXACT")) throw ctx.unsupported(op, "gelu mode " + mode + " has no IR equivalent (IR gelu is EXACT)");
        ctx.define(op, "gelu", Attributes.EMPTY, ctx.tensor(op, "x"));
    }
}

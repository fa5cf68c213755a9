package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;

import java.util.ArrayList;
import java.util.List;

/** IR concat ↔ MIL concat (iOS15 tensor_operation.py): values (variadic), axis, interleave false. */
public final class ConcatMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("concat"); }
    @Override public List<String> milOps() { return List.of("concat"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < node.inputs().size(); i++) values.add(ctx.input(node, i, d));
        ctx.op("concat").in("values", values)
                .in("axis", ctx.intScalar(out, "axis", node.attributes().integer("axis")))
                .in("interleave", ctx.bool(out, "interleave", false))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        if (ctx.bool(op, "interleave", false)) throw ctx.unsupported(op, "interleave=true has no IR equivalent");
        List<Value> values = ctx.tensors(op, "values");
        ctx.define(op, "concat", Attributes.of("axis", ctx.intScalar(op, "axis", 0)), values.toArray(Value[]::new));
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.coreml.mil.MilTypes;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Node;

import java.util.List;

/**
 * IR cast ↔ MIL cast (iOS17 elementwise_unary.py): x, dtype ("fp16", "fp32", "int32", ...). An IR cast does
 * not always become a MIL op: the emitter holds each value in the dtypes it is needed in, so a cast to a
 * dtype the value already has is free, and casts the precision plan needs are shared.
 */
public final class CastMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("cast"); }
    @Override public List<String> milOps() { return List.of("cast"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        ctx.alias(node.output(), node.input(0), node.attributes().dtype("dtype"));
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        String dtype = ctx.string(op, "dtype", null);
        if (dtype == null) throw ctx.unsupported(op, "missing dtype");
        ctx.define(op, "cast", Attributes.of("dtype", MilTypes.fromCastName(dtype)), ctx.tensor(op, "x"));
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

import java.util.List;

/**
 * IR reshape ↔ MIL reshape (x, shape). The emitter always writes the fully resolved shape (no -1 or 0, whose
 * MIL meaning changed in iOS 17). Reading takes the op's declared output shape, which the type checker ties
 * to x and shape. MIL identity (which the emitter writes only when one value feeds two model outputs) also
 * reads as a reshape to its own shape.
 */
public final class ReshapeMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("reshape"); }
    @Override public List<String> milOps() { return List.of("reshape", "identity"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op("reshape").in("x", ctx.input(node, 0, d)).in("shape", ctx.ints(out, "shape", node.output().type().shape()))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        int[] shape = ctx.outputType(op, 0).shape();
        ctx.define(op, "reshape", Attributes.of("shape", shape), ctx.tensor(op, "x"));
    }
}

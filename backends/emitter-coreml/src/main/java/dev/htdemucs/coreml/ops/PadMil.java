package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * IR pad ↔ MIL pad (iOS15 tensor_operation.py): x, pad ([begin, end] for the last N axes), mode
 * ("constant" / "reflect"), constant_val (in the compute dtype). Constant pads are written for every axis,
 * as coremltools does; reflect pads only for the trailing axes that are padded (Core ML reflects at most the
 * last two). "replicate" has no IR equivalent.
 */
public final class PadMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("pad"); }
    @Override public List<String> milOps() { return List.of("pad"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        String mode = node.attributes().string("mode", "constant");
        int[] pads = node.attributes().ints("pads");
        if (mode.equals("reflect")) {
            int first = 0;
            while (first < pads.length / 2 - 1 && pads[2 * first] == 0 && pads[2 * first + 1] == 0) first++;
            pads = Arrays.copyOfRange(pads, 2 * first, pads.length);
        }
        ctx.op("pad").in("x", ctx.input(node, 0, d))
                .in("pad", ctx.ints(out, "pad", pads))
                .in("mode", ctx.string(out, "mode", mode))
                .in("constant_val", ctx.floatScalar(out, "constant_val", node.attributes().real("value", 0.0), d))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        TensorType x = ctx.type(op, "x");
        int[] trailing = ctx.ints(op, "pad");
        if (trailing.length % 2 != 0 || trailing.length > 2 * x.rank()) {
            throw ctx.unsupported(op, "pad " + Arrays.toString(trailing) + " does not fit rank " + x.rank());
        }
        int[] pads = new int[2 * x.rank()];
        System.arraycopy(trailing, 0, pads, pads.length - trailing.length, trailing.length);
        String mode = ctx.string(op, "mode", "constant");
        if (!mode.equals("constant") && !mode.equals("reflect")) throw ctx.unsupported(op, "mode '" + mode + "' has no IR equivalent");
        Attributes.Builder a = Attributes.builder().put("pads", pads).put("mode", mode);
        if (mode.equals("constant")) a.put("value", ctx.real(op, "constant_val", 0.0));
        ctx.define(op, "pad", a.build(), ctx.tensor(op, "x"));
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * IR slice ↔ MIL slice_by_index (iOS15 tensor_transformation.py): x, begin, end (one entry per axis).
 * Reading resolves begin_mask / end_mask and negative indices; strides other than 1 and squeeze_mask have
 * no IR equivalent.
 */
public final class SliceMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("slice"); }
    @Override public List<String> milOps() { return List.of("slice_by_index"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String out = ctx.outputName(node, 0);
        ctx.op("slice_by_index").in("x", ctx.input(node, 0, d))
                .in("begin", ctx.ints(out, "begin", node.attributes().ints("begin")))
                .in("end", ctx.ints(out, "end", node.attributes().ints("end")))
                .out(out, MilOpMapping.as(node.output(), d)).emit();
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        TensorType x = ctx.type(op, "x");
        int rank = x.rank();
        int[] begin = ctx.ints(op, "begin"), end = ctx.ints(op, "end");
        int[] stride = ctx.ints(op, "stride", null);
        if (stride != null && Arrays.stream(stride).anyMatch(s -> s != 1)) {
            throw ctx.unsupported(op, "stride " + Arrays.toString(stride) + " has no IR equivalent (IR slice has step 1)");
        }
        boolean[] beginMask = ctx.bools(op, "begin_mask"), endMask = ctx.bools(op, "end_mask"), squeeze = ctx.bools(op, "squeeze_mask");
        if (squeeze != null) for (boolean s : squeeze) if (s) throw ctx.unsupported(op, "squeeze_mask has no IR equivalent");
        if (begin.length != rank || end.length != rank) throw ctx.unsupported(op, "begin/end must have " + rank + " entries");
        for (boolean[] mask : new boolean[][] {beginMask, endMask}) {
            if (mask != null && mask.length != rank) throw ctx.unsupported(op, "begin_mask/end_mask must have " + rank + " entries");
        }
        for (int i = 0; i < rank; i++) {
            if (beginMask != null && beginMask[i]) begin[i] = 0;
            else if (begin[i] < 0) begin[i] += x.dim(i);
            if (endMask != null && endMask[i]) end[i] = x.dim(i);
            else if (end[i] < 0) end[i] += x.dim(i);
        }
        ctx.define(op, "slice", Attributes.of("begin", begin, "end", end), ctx.tensor(op, "x"));
    }
}

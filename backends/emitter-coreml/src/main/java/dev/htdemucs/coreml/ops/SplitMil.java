package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.coreml.mil.MilOpBuilder;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/** IR split ↔ MIL split (iOS15 tensor_operation.py): x, split_sizes (or num_splits), axis; one output per piece. */
public final class SplitMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("split"); }
    @Override public List<String> milOps() { return List.of("split"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        String base = ctx.tempName(node.name());
        MilOpBuilder op = ctx.op("split").in("x", ctx.input(node, 0, d))
                .in("split_sizes", ctx.ints(base, "split_sizes", node.attributes().ints("sizes")))
                .in("axis", ctx.intScalar(base, "axis", node.attributes().integer("axis")))
                .name(base);
        String[] names = new String[node.outputs().size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = ctx.outputName(node, i);
            op.out(names[i], MilOpMapping.as(node.outputs().get(i), d));
        }
        op.emit();
        for (int i = 0; i < names.length; i++) ctx.define(node.outputs().get(i), names[i], d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        TensorType x = ctx.type(op, "x");
        int axis = ctx.intScalar(op, "axis", 0);
        int a = axis < 0 ? axis + x.rank() : axis;
        if (a < 0 || a >= x.rank()) throw ctx.unsupported(op, "axis " + axis + " is outside " + x);
        int[] sizes = ctx.ints(op, "split_sizes", null);
        if (sizes == null) {
            int n = ctx.intScalar(op, "num_splits", -1);
            // one size per declared output: n comes from the file and must not size an array on its own
            if (n <= 0 || n != op.proto().getOutputsCount() || x.dim(a) % n != 0) {
                throw ctx.unsupported(op, "needs split_sizes or a num_splits equal to its " + op.proto().getOutputsCount()
                        + " outputs and dividing axis " + axis + " of " + x + ", found num_splits " + n);
            }
            sizes = new int[n];
            Arrays.fill(sizes, x.dim(a) / n);
        }
        ctx.define(op, "split", Attributes.of("axis", axis, "sizes", sizes), ctx.tensor(op, "x"));
    }
}

package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * {@code slice}: x[begin[0]:end[0], begin[1]:end[1], ...] with step 1. begin and end name every axis
 * (0 <= begin <= end <= dim).
 */
public final class Slice extends OpDef {
    public Slice() { super("slice", List.of("x"), 1, List.of("begin", "end")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        int[] begin = node.attributes().ints("begin"), end = node.attributes().ints("end");
        require(begin.length == x.rank() && end.length == x.rank(), "begin and end need " + x.rank() + " entries");
        int[] out = new int[x.rank()];
        for (int i = 0; i < out.length; i++) {
            require(0 <= begin[i] && begin[i] <= end[i] && end[i] <= x.dim(i),
                    "axis " + i + ": [" + begin[i] + ":" + end[i] + "] is outside 0.." + x.dim(i) + " of " + x);
            out[i] = end[i] - begin[i];
        }
        return one(x.dtype(), out);
    }
}

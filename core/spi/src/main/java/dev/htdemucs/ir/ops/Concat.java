package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/** {@code concat}: joins one or more inputs along attribute {@code axis}; other axes must agree. */
public final class Concat extends OpDef {
    public Concat() { super("concat", List.of("..."), 1, List.of("axis")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType first = type(node, 0);
        int axis = normalizeAxis(node.attributes().integer("axis"), first.rank());
        int[] out = first.shape();
        for (int i = 1; i < node.inputs().size(); i++) {
            TensorType t = type(node, i);
            require(t != null, "input " + i + " is missing");
            require(t.rank() == first.rank() && t.dtype() == first.dtype(), "input " + i + " " + t + " does not match " + first);
            for (int a = 0; a < out.length; a++) {
                if (a == axis) out[a] += t.dim(a);
                else require(t.dim(a) == first.dim(a), "input " + i + " " + t + " differs from " + first + " on axis " + a);
            }
        }
        return one(first.dtype(), out);
    }
}

package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

import java.util.ArrayList;

/** {@code split}: cuts x along attribute {@code axis} into pieces of attribute {@code sizes}; one output each. */
public final class Split extends OpDef {
    public Split() { super("split", List.of("x"), 1, List.of("axis", "sizes")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        int axis = normalizeAxis(node.attributes().integer("axis"), x.rank());
        int[] sizes = node.attributes().ints("sizes");
        int total = 0;
        List<TensorType> out = new ArrayList<>();
        for (int s : sizes) {
            require(s > 0, "sizes must be positive: " + Arrays.toString(sizes));
            total += s;
            int[] shape = x.shape();
            shape[axis] = s;
            out.add(new TensorType(x.dtype(), shape));
        }
        require(total == x.dim(axis), "sizes " + Arrays.toString(sizes) + " sum to " + total + ", axis " + axis + " of " + x + " has " + x.dim(axis));
        return out;
    }
}

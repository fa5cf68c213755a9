package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

import java.util.Arrays;

/** Shared definition of reductions over attribute {@code axes}, with {@code keep_dims} (default false). */
abstract class Reduction extends OpDef {
    Reduction(String name) { super(name, List.of("x"), 1, List.of("axes", "keep_dims")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        int[] axes = node.attributes().ints("axes");
        boolean keep = node.attributes().bool("keep_dims", false);
        boolean[] reduced = new boolean[x.rank()];
        for (int a : axes) {
            int n = normalizeAxis(a, x.rank());
            require(!reduced[n], "axis " + a + " repeated in " + Arrays.toString(axes));
            reduced[n] = true;
        }
        int[] out = new int[keep ? x.rank() : x.rank() - axes.length];
        for (int i = 0, j = 0; i < x.rank(); i++) {
            if (!reduced[i]) out[j++] = x.dim(i);
            else if (keep) out[j++] = 1;
        }
        return one(x.dtype(), out);
    }
}

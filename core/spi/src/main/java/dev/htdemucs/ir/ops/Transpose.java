package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/** {@code transpose}: output axis i is input axis perm[i]. */
public final class Transpose extends OpDef {
    public Transpose() { super("transpose", List.of("x"), 1, List.of("perm")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        int[] perm = node.attributes().ints("perm");
        require(perm.length == x.rank(), "perm " + Arrays.toString(perm) + " does not match rank " + x.rank());
        boolean[] seen = new boolean[perm.length];
        int[] out = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            require(perm[i] >= 0 && perm[i] < perm.length && !seen[perm[i]], "perm " + Arrays.toString(perm) + " is not a permutation");
            seen[perm[i]] = true;
            out[i] = x.dim(perm[i]);
        }
        return one(x.dtype(), out);
    }
}

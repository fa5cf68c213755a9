package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * {@code matmul}: batched matrix product of the last two axes with broadcast batch axes (rank >= 2).
 * Attributes transpose_x, transpose_y (default false) transpose the last two axes first.
 */
public final class MatMul extends OpDef {
    public MatMul() { super("matmul", List.of("x", "y"), 2, List.of("transpose_x", "transpose_y")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0), y = type(node, 1);
        require(x.rank() >= 2 && y.rank() >= 2, "inputs must have rank >= 2, got " + x + " and " + y);
        requireSameDType(x, y, "matmul");
        boolean tx = node.attributes().bool("transpose_x", false), ty = node.attributes().bool("transpose_y", false);
        int m = tx ? x.dim(-1) : x.dim(-2), kx = tx ? x.dim(-2) : x.dim(-1);
        int ky = ty ? y.dim(-1) : y.dim(-2), n = ty ? y.dim(-2) : y.dim(-1);
        require(kx == ky, "inner dimensions differ: " + x + (tx ? "ᵀ" : "") + " · " + y + (ty ? "ᵀ" : ""));
        int[] bx = java.util.Arrays.copyOf(x.shape(), x.rank() - 2), by = java.util.Arrays.copyOf(y.shape(), y.rank() - 2);
        int[] batch = broadcast(bx, by);
        int[] out = java.util.Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return one(x.dtype(), out);
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code matmul}: one {@link MatMulCore} product per (broadcast) batch index. A transposed y is read in
 * place; a transposed x is first copied to row-major, since the core wants contiguous rows of A.
 */
public final class MatMulKernel implements Kernel {
    @Override public String op() { return "matmul"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0], y = inputs[1];
        boolean tx = node.attributes().bool("transpose_x", false), ty = node.attributes().bool("transpose_y", false);
        TensorType type = node.output().type();
        int[] outShape = type.shape();
        int rank = outShape.length;
        int m = outShape[rank - 2], n = outShape[rank - 1];
        int k = tx ? x.dim(-2) : x.dim(-1);
        int[] batch = Arrays.copyOf(outShape, rank - 2);
        int[] xStrides = Strides.broadcast(Arrays.copyOf(x.shape(), x.rank() - 2), batch);
        int[] yStrides = Strides.broadcast(Arrays.copyOf(y.shape(), y.rank() - 2), batch);
        int batches = Strides.product(batch, 0, batch.length);
        float[] out = new float[Math.toIntExact(type.numel())];
        float[] xd = x.data(), yd = y.data();
        List<MatMulCore.Product> products = new ArrayList<>(batches);
        for (int b = 0; b < batches; b++) {
            int xOff = 0, yOff = 0;
            for (int i = batch.length - 1, rest = b; i >= 0; i--) {
                int coord = rest % batch[i];
                rest /= batch[i];
                xOff += coord * xStrides[i];
                yOff += coord * yStrides[i];
            }
            xOff *= m * k;
            yOff *= k * n;
            float[] a = xd;
            int aOff = xOff;
            if (tx) {
                a = transpose(xd, xOff, k, m);
                aOff = 0;
            }
            MatMulCore.PanelSource right = ty ? MatMulCore.dense(yd, yOff, 1, k) : MatMulCore.dense(yd, yOff, n, 1);
            products.add(new MatMulCore.Product(m, n, k, a, aOff, k, right, out, b * m * n, n));
        }
        MatMulCore.multiplyAdd(parallel, products);
        return new FloatTensor[] {new FloatTensor(type.dtype(), outShape, out)};
    }

    /** The {@code cols × rows} transpose of the row-major {@code rows × cols} matrix at {@code off}. */
    private static float[] transpose(float[] src, int off, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = src[off + r * cols + c];
        }
        return t;
    }
}

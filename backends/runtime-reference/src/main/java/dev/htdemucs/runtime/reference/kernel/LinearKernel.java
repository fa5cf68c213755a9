package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * {@code linear}: y = x · weightᵀ + bias on {@link MatMulCore}, all leading axes of x folded into rows;
 * weight {@code [out, in]} is read as the transposed right-hand side, the bias is the starting value.
 */
public final class LinearKernel implements Kernel {
    @Override public String op() { return "linear"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0], weight = inputs[1];
        FloatTensor bias = inputs.length > 2 ? inputs[2] : null;
        TensorType type = node.output().type();
        int in = weight.dim(1), outFeatures = weight.dim(0);
        int rows = in == 0 ? 0 : x.numel() / in;
        float[] out = new float[Math.toIntExact(type.numel())];
        if (bias != null) {
            float[] b = bias.data();
            for (int r = 0; r < rows; r++) System.arraycopy(b, 0, out, r * outFeatures, outFeatures);
        }
        MatMulCore.multiplyAdd(parallel, new MatMulCore.Product(rows, outFeatures, in, x.data(), 0, in,
                MatMulCore.dense(weight.data(), 0, 1, in), out, 0, outFeatures));
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}

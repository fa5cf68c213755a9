package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.ops.Linear;

/**
 * {@code linear}: y = x · weightᵀ + bias on {@link MatMulCore}, all leading axes of x folded into rows;
 * weight {@code [out, in]} is read as the transposed right-hand side, the bias is the starting value. In fp16 a
 * linear that is not one fused op ({@link Linear#fused}) stores its product in fp16 before the bias is added.
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
        boolean biasAfter = bias != null && type.dtype() == DType.FLOAT16 && !Linear.fused(node);
        if (bias != null && !biasAfter) {
            float[] b = bias.data();
            for (int r = 0; r < rows; r++) System.arraycopy(b, 0, out, r * outFeatures, outFeatures);
        }
        MatMulCore.multiplyAdd(parallel, new MatMulCore.Product(rows, outFeatures, in, x.data(), 0, in,
                MatMulCore.dense(weight.data(), 0, 1, in), out, 0, outFeatures));
        if (biasAfter) {
            float[] b = bias.data();
            parallel.forChunks(out.length, 1 << 16, (from, to) -> {
                for (int i = from; i < to; i++) out[i] = Float16.round(out[i]) + b[i % outFeatures];
            });
        }
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}

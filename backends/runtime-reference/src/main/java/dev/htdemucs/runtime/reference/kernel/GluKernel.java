package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * {@code glu}: a · sigmoid(b) where a, b are the first and second halves of attribute {@code axis}. In fp16
 * the gate sigmoid(b) is stored in fp16 before the product, as the op defines ({@code Glu}).
 */
public final class GluKernel implements Kernel {
    @Override public String op() { return "glu"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] shape = x.shape();
        int axis = node.attributes().integer("axis", -1);
        if (axis < 0) axis += shape.length;
        int half = shape[axis] / 2;
        int inner = Strides.product(shape, axis + 1, shape.length);
        int block = half * inner; // one half of one outer slice
        float[] in = x.data();
        TensorType type = node.output().type();
        float[] out = new float[Math.toIntExact(type.numel())];
        boolean fp16 = type.dtype() == DType.FLOAT16;
        parallel.forChunks(out.length, 16384, (from, to) -> {
            double[][] scratch = Exp.scratch(Exp.BLOCK);
            double[] d = scratch[0], e = scratch[1];
            int o = from / block, i = from - o * block;
            for (int q = from; q < to; ) {
                // a run of gates within one outer slice: a = o·2·block + i
                int n = Math.min(Exp.BLOCK, Math.min(to - q, block - i));
                int a = o * 2 * block + i;
                for (int j = 0; j < n; j++) d[j] = -(double) in[a + block + j];
                Exp.exp(d, e, scratch[2], n);
                for (int j = 0; j < n; j++) {
                    float gate = (float) (1.0 / (1.0 + e[j])); // sigmoid(b)
                    out[q + j] = in[a + j] * (fp16 ? Float16.round(gate) : gate);
                }
                q += n;
                i += n;
                if (i == block) {
                    i = 0;
                    o++;
                }
            }
        });
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/** {@code glu}: a · sigmoid(b) where a, b are the first and second halves of attribute {@code axis}. */
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
        parallel.forChunks(out.length, 16384, (from, to) -> {
            int o = from / block, i = from - o * block;
            for (int q = from; q < to; q++) {
                int a = o * 2 * block + i;
                out[q] = in[a] * SigmoidKernel.sigmoid(in[a + block]);
                if (++i == block) {
                    i = 0;
                    o++;
                }
            }
        });
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}

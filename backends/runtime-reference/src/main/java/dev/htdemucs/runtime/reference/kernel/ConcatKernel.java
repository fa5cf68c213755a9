package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/** {@code concat} along attribute {@code axis}: per outer index, each input's block is copied in turn. */
public final class ConcatKernel implements Kernel {
    @Override public String op() { return "concat"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        TensorType type = node.output().type();
        int[] shape = type.shape();
        int axis = node.attributes().integer("axis");
        if (axis < 0) axis += shape.length;
        int inner = Strides.product(shape, axis + 1, shape.length);
        int outer = Strides.product(shape, 0, axis);
        int outBlock = shape[axis] * inner;
        float[] out = new float[Math.toIntExact(type.numel())];
        int at = 0;
        for (FloatTensor in : inputs) {
            int block = in.dim(axis) * inner;
            int dst = at;
            float[] src = in.data();
            parallel.forChunks(outer, Math.max(1, 16384 / Math.max(1, block)), (from, to) -> {
                for (int o = from; o < to; o++) System.arraycopy(src, o * block, out, o * outBlock + dst, block);
            });
            at += block;
        }
        return new FloatTensor[] {new FloatTensor(type.dtype(), shape, out)};
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/** {@code split} along attribute {@code axis} into pieces of attribute {@code sizes}. */
public final class SplitKernel implements Kernel {
    @Override public String op() { return "split"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] shape = x.shape();
        int axis = node.attributes().integer("axis");
        if (axis < 0) axis += shape.length;
        int inner = Strides.product(shape, axis + 1, shape.length);
        int outer = Strides.product(shape, 0, axis);
        int inBlock = shape[axis] * inner;
        float[] in = x.data();
        FloatTensor[] outs = new FloatTensor[node.outputs().size()];
        int at = 0;
        for (int k = 0; k < outs.length; k++) {
            TensorType type = node.outputs().get(k).type();
            int block = type.dim(axis) * inner;
            float[] out = new float[Math.toIntExact(type.numel())];
            int src = at;
            parallel.forChunks(outer, Math.max(1, 16384 / Math.max(1, block)), (from, to) -> {
                for (int o = from; o < to; o++) System.arraycopy(in, o * inBlock + src, out, o * block, block);
            });
            outs[k] = new FloatTensor(type.dtype(), type.shape(), out);
            at += block;
        }
        return outs;
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/** {@code transpose}: output axis i is input axis perm[i]; copies runs, contiguous ones with arraycopy. */
public final class TransposeKernel implements Kernel {
    @Override public String op() { return "transpose"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] perm = node.attributes().ints("perm");
        int[] inStrides = Strides.of(x.shape());
        int[] read = new int[perm.length];
        for (int i = 0; i < perm.length; i++) read[i] = inStrides[perm[i]];
        TensorType type = node.output().type();
        float[] in = x.data(), out = new float[in.length];
        copy(parallel, type.shape(), in, 0, read, out);
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }

    /** {@code out} (C order, {@code shape}) = {@code in} read at {@code base + Σ index·strides}. */
    static void copy(Parallel parallel, int[] shape, float[] in, int base, int[] strides, float[] out) {
        StridedLoop loop = new StridedLoop(shape, strides, null);
        int step = loop.xInnerStride();
        loop.forEachRun(parallel, (o, x, unused, n) -> {
            if (step == 1) {
                System.arraycopy(in, base + x, out, o, n);
            } else {
                for (int i = 0; i < n; i++) out[o + i] = in[base + x + i * step];
            }
        });
    }
}

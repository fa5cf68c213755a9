package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/** {@code slice}: x[begin:end] on every axis (step 1). */
public final class SliceKernel implements Kernel {
    @Override public String op() { return "slice"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] begin = node.attributes().ints("begin");
        int[] strides = Strides.of(x.shape());
        int base = 0;
        for (int i = 0; i < begin.length; i++) base += begin[i] * strides[i];
        TensorType type = node.output().type();
        float[] out = new float[Math.toIntExact(type.numel())];
        TransposeKernel.copy(parallel, type.shape(), x.data(), base, strides, out);
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;

/**
 * {@code cast} to attribute {@code dtype}: fp16 and bf16 round to nearest even, integer types truncate
 * toward zero (as torch's {@code .to(int)}), bool is {@code x != 0}. The result is stored in floats.
 */
public final class CastKernel implements Kernel {
    @Override public String op() { return "cast"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        DType to = node.attributes().dtype("dtype");
        float[] out = inputs[0].data().clone();
        DTypeRounding.roundInPlace(to, out);
        return new FloatTensor[] {new FloatTensor(to, inputs[0].shape(), out)};
    }
}

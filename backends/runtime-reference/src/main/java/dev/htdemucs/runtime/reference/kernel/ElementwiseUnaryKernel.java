package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/** Shared driver of element-wise unary ops: chunks of the flat array spread over the threads. */
abstract class ElementwiseUnaryKernel implements Kernel {
    private static final int MIN_CHUNK = 1 << 14;

    @Override public final FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        float[] x = inputs[0].data();
        float[] out = new float[x.length];
        parallel.forChunks(x.length, MIN_CHUNK, (from, to) -> apply(x, out, from, to));
        return new FloatTensor[] {inputs[0].withData(out)};
    }

    /** {@code out[i] = f(x[i])} for {@code from <= i < to}. */
    protected abstract void apply(float[] x, float[] out, int from, int to);
}

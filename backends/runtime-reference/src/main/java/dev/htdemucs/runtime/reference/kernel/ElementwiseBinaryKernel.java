package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * Shared driver of {@code add}, {@code sub}, {@code mul}, {@code div}, {@code pow}: numpy broadcasting of
 * x and y to the output shape, then one tight loop per run in the subclass.
 */
abstract class ElementwiseBinaryKernel implements Kernel {
    @Override public final FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0], y = inputs[1];
        TensorType type = node.output().type();
        int[] shape = type.shape();
        float[] out = new float[Math.toIntExact(type.numel())];
        float[] xd = x.data(), yd = y.data();
        StridedLoop loop = new StridedLoop(shape, Strides.broadcast(x.shape(), shape), Strides.broadcast(y.shape(), shape));
        int xs = loop.xInnerStride(), ys = loop.yInnerStride();
        loop.forEachRun(parallel, (o, xo, yo, n) -> apply(xd, xo, xs, yd, yo, ys, out, o, n));
        return new FloatTensor[] {new FloatTensor(type.dtype(), shape, out)};
    }

    /** {@code out[o + i] = f(x[xo + i·xs], y[yo + i·ys])} for {@code i < n}; strides are 0 or more. */
    protected abstract void apply(float[] x, int xo, int xs, float[] y, int yo, int ys, float[] out, int o, int n);
}

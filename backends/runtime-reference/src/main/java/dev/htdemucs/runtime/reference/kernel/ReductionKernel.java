package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * Shared driver of {@code reduce_sum} and {@code reduce_mean}: sums over attribute {@code axes} in double,
 * in one pass over the input in memory order, then the subclass finishes each sum.
 */
abstract class ReductionKernel implements Kernel {
    private static final Parallel IN_ORDER = Parallel.sequential();

    @Override public final FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] shape = x.shape();
        boolean[] reduced = new boolean[shape.length];
        for (int a : node.attributes().ints("axes")) reduced[a < 0 ? a + shape.length : a] = true;
        int[] kept = shape.clone();
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i]) {
                kept[i] = 1;
                count *= shape[i];
            }
        }
        int[] toOutput = Strides.broadcast(kept, shape); // 0 along reduced axes
        double[] sums = new double[Math.toIntExact(FloatTensor.numel(kept))];
        float[] xd = x.data();
        StridedLoop loop = new StridedLoop(shape, toOutput, null);
        int step = loop.xInnerStride();
        // The loop walks the input in order; its "x" operand is the output position each input adds to.
        loop.forEachRun(IN_ORDER, (in, out, unused, n) -> {
            if (step == 0) {
                double s = 0;
                for (int i = 0; i < n; i++) s += xd[in + i];
                sums[out] += s;
            } else {
                for (int i = 0; i < n; i++) sums[out + i * step] += xd[in + i];
            }
        });
        TensorType type = node.output().type();
        float[] result = new float[sums.length];
        for (int i = 0; i < sums.length; i++) result[i] = (float) finish(sums[i], count);
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), result)};
    }

    /** The output value from the double sum of {@code count} elements. */
    protected abstract double finish(double sum, long count);
}

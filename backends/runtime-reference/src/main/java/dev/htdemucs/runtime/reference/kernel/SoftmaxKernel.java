package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/**
 * {@code softmax} along attribute {@code axis}: exp(x − max) / Σ exp(x − max), the max subtracted for
 * stability; exponentials and their sum in double; each exponential is held in float before the division.
 */
public final class SoftmaxKernel implements Kernel {
    @Override public String op() { return "softmax"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] shape = x.shape();
        int axis = node.attributes().integer("axis", -1);
        if (axis < 0) axis += shape.length;
        int len = shape[axis];
        int inner = Strides.product(shape, axis + 1, shape.length);
        int outer = Strides.product(shape, 0, axis);
        float[] in = x.data(), out = new float[in.length];
        if (inner == 1) {
            parallel.forChunks(outer, Math.max(1, 4096 / Math.max(1, len)), (from, to) -> {
                for (int r = from; r < to; r++) row(in, out, r * len, 1, len);
            });
        } else {
            parallel.forChunks(outer * inner, 64, (from, to) -> {
                for (int q = from; q < to; q++) row(in, out, (q / inner) * len * inner + q % inner, inner, len);
            });
        }
        return new FloatTensor[] {x.withData(out)};
    }

    private static void row(float[] in, float[] out, int off, int step, int len) {
        // A plain compare, not Math.max: JDK 17 vectorises a Math.max reduction into something three times
        // slower. A NaN is skipped here but still makes its row NaN through exp, as in torch.
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            float v = in[off + i * step];
            max = v > max ? v : max;
        }
        if (max == Float.NEGATIVE_INFINITY) max = 0; // all -inf: let exp give 0/0 = NaN as torch does
        double[][] scratch = Exp.scratch(len);
        double[] x = scratch[0], e = scratch[1];
        for (int i = 0; i < len; i++) x[i] = (double) in[off + i * step] - max;
        Exp.exp(x, e, scratch[2], len);
        double sum = 0;
        for (int i = 0; i < len; i++) {
            out[off + i * step] = (float) e[i];
            sum += e[i];
        }
        double inv = 1.0 / sum;
        for (int i = 0; i < len; i++) out[off + i * step] = (float) (out[off + i * step] * inv);
    }
}

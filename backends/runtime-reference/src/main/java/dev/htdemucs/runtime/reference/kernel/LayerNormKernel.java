package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/**
 * {@code layer_norm} over the trailing attribute {@code axes}: per row, mean and biased variance in double
 * (two passes), then (x − mean)/√(var + ε)·γ + β rounded once. Rows run in parallel; a few huge rows are
 * each split over the threads instead.
 */
public final class LayerNormKernel implements Kernel {
    @Override public String op() { return "layer_norm"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int normAxes = node.attributes().ints("axes", new int[] {-1}).length;
        double eps = node.attributes().real("epsilon", 1e-5);
        int size = Strides.product(x.shape(), x.rank() - normAxes, x.rank());
        int rows = size == 0 ? 0 : x.numel() / size;
        float[] in = x.data(), out = new float[in.length];
        float[] gamma = inputs.length > 1 && inputs[1] != null ? inputs[1].data() : null;
        float[] beta = inputs.length > 2 && inputs[2] != null ? inputs[2].data() : null;
        if (rows >= 2 * parallel.threads()) {
            Parallel inline = Parallel.sequential();
            parallel.forChunks(rows, Math.max(1, 8192 / Math.max(1, size)), (from, to) -> {
                for (int r = from; r < to; r++) Normalization.normalize(inline, in, out, r * size, size, eps, gamma, beta, 0, 1);
            });
        } else {
            for (int r = 0; r < rows; r++) Normalization.normalize(parallel, in, out, r * size, size, eps, gamma, beta, 0, 1);
        }
        return new FloatTensor[] {x.withData(out)};
    }
}

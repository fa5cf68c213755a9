package dev.htdemucs.runtime.reference.kernel;

/**
 * The arithmetic shared by {@code layer_norm} and {@code group_norm}: mean and biased variance in double
 * (two passes), then an affine map per parameter index.
 *
 * <p>Sums are taken over fixed blocks of {@value #BLOCK} elements whose partial sums are then added in
 * order; the blocks may run on different threads, but the arithmetic is the same for any thread count.
 */
final class Normalization {
    static final int BLOCK = 1 << 14;

    private Normalization() {}

    /**
     * Normalises {@code in[off, off + size)} into {@code out}, then applies {@code gamma[g]·v + beta[g]}
     * where element {@code i} uses parameter index {@code g = paramOffset + i / paramRun} (per element for
     * layer norm: run 1; per channel for group norm: run = spatial size). Absent gamma/beta mean 1/0.
     */
    static void normalize(Parallel parallel, float[] in, float[] out, int off, int size, double eps,
                          float[] gamma, float[] beta, int paramOffset, int paramRun) {
        int blocks = (size + BLOCK - 1) / BLOCK;
        double[] partial = new double[blocks];
        parallel.forEach(blocks, b -> {
            double s = 0;
            for (int i = off + b * BLOCK, end = off + Math.min(size, (b + 1) * BLOCK); i < end; i++) s += in[i];
            partial[b] = s;
        });
        double mean = inOrder(partial) / size;
        parallel.forEach(blocks, b -> {
            double s = 0;
            for (int i = off + b * BLOCK, end = off + Math.min(size, (b + 1) * BLOCK); i < end; i++) {
                double d = in[i] - mean;
                s += d * d;
            }
            partial[b] = s;
        });
        double inv = 1.0 / Math.sqrt(inOrder(partial) / size + eps);
        parallel.forEach(blocks, b -> {
            int from = b * BLOCK, to = Math.min(size, (b + 1) * BLOCK);
            for (int i = from; i < to; ) {
                int g = paramOffset + i / paramRun;
                double scale = gamma == null ? inv : inv * gamma[g];
                double shift = beta == null ? 0 : beta[g];
                int end = Math.min(to, (i / paramRun + 1) * paramRun);
                for (; i < end; i++) out[off + i] = (float) ((in[off + i] - mean) * scale + shift);
            }
        });
    }

    private static double inOrder(double[] partial) {
        double s = 0;
        for (double p : partial) s += p;
        return s;
    }
}

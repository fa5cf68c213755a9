package dev.htdemucs.runtime.reference.kernel;

/** {@code sigmoid}: 1 / (1 + exp(-x)), evaluated in double and rounded once. */
public final class SigmoidKernel extends ElementwiseUnaryKernel {
    @Override public String op() { return "sigmoid"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        double[][] scratch = Exp.scratch(Exp.BLOCK);
        double[] d = scratch[0], e = scratch[1];
        for (int b = from; b < to; b += Exp.BLOCK) {
            int n = Math.min(Exp.BLOCK, to - b);
            for (int i = 0; i < n; i++) d[i] = -(double) x[b + i];
            Exp.exp(d, e, scratch[2], n);
            for (int i = 0; i < n; i++) out[b + i] = (float) (1.0 / (1.0 + e[i]));
        }
    }

    /** One element, as {@link #apply} computes it. */
    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Exp.exp(-(double) x)));
    }
}

package dev.htdemucs.runtime.reference.kernel;

/** {@code sigmoid}: 1 / (1 + exp(-x)), evaluated in double and rounded once. */
public final class SigmoidKernel extends ElementwiseUnaryKernel {
    @Override public String op() { return "sigmoid"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = sigmoid(x[i]);
    }

    static float sigmoid(float x) {
        return (float) (1.0 / (1.0 + Exp.exp(-(double) x)));
    }
}

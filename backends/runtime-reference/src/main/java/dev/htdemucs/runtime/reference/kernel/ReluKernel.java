package dev.htdemucs.runtime.reference.kernel;

/** {@code relu}: max(x, 0); NaN stays NaN, as in torch. */
public final class ReluKernel extends ElementwiseUnaryKernel {
    @Override public String op() { return "relu"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) {
            float v = x[i];
            out[i] = v <= 0f ? 0f : v;
        }
    }
}

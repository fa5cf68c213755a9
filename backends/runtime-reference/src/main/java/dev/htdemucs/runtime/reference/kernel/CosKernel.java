package dev.htdemucs.runtime.reference.kernel;

/** {@code cos}: cosine of the float input evaluated in double, rounded once to float32. */
public final class CosKernel extends ElementwiseUnaryKernel {
    @Override public String op() { return "cos"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = (float) Math.cos(x[i]);
    }
}

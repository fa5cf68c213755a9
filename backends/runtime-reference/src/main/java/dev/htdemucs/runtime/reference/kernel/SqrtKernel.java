package dev.htdemucs.runtime.reference.kernel;

/** {@code sqrt}: correctly rounded square root (what sqrtf gives). */
public final class SqrtKernel extends ElementwiseUnaryKernel {
    @Override public String op() { return "sqrt"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = (float) Math.sqrt(x[i]);
    }
}

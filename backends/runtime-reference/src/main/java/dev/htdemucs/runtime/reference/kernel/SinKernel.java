package dev.htdemucs.runtime.reference.kernel;

/** {@code sin}: sine of the float input evaluated in double, rounded once to float32. */
public final class SinKernel extends ElementwiseUnaryKernel {
    @Override public String op() { return "sin"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = (float) Math.sin(x[i]);
    }
}

package dev.htdemucs.runtime.reference.kernel;

/** {@code mul}: x · y in float32, with broadcasting. */
public final class MulKernel extends ElementwiseBinaryKernel {
    @Override public String op() { return "mul"; }

    @Override protected void apply(float[] x, int xo, int xs, float[] y, int yo, int ys, float[] out, int o, int n) {
        if (xs == 1 && ys == 1) {
            for (int i = 0; i < n; i++) { float a = x[xo + i], b = y[yo + i]; out[o + i] = a * b; }
        } else if (xs == 1 && ys == 0) {
            float b = y[yo];
            for (int i = 0; i < n; i++) { float a = x[xo + i]; out[o + i] = a * b; }
        } else {
            for (int i = 0; i < n; i++) { float a = x[xo + i * xs], b = y[yo + i * ys]; out[o + i] = a * b; }
        }
    }
}

package dev.htdemucs.runtime.reference.kernel;

/**
 * {@code gelu} (exact): 0.5·x·(1 + erf(x/√2)), evaluated in double with {@link Erf} and rounded once.
 * Both signs go through erfc(|x|/√2): 1 + erf = 2 − erfc for x ≥ 0, and erfc itself for x &lt; 0, which keeps
 * full relative precision in the negative tail.
 */
public final class GeluKernel extends ElementwiseUnaryKernel {
    private static final double INV_SQRT2 = 0.7071067811865476;

    @Override public String op() { return "gelu"; }

    @Override protected void apply(float[] x, float[] out, int from, int to) {
        for (int i = from; i < to; i++) out[i] = (float) gelu(x[i]);
    }

    static double gelu(double x) {
        if (Double.isNaN(x)) return x;
        if (x > 8) return x; // erfc(x/√2) < 1e-15: 1 + erf is 2 to double precision
        double tail = Erf.erfcNonNegative(Math.abs(x) * INV_SQRT2); // erfc(|x|/√2)
        return 0.5 * x * (x >= 0 ? 2.0 - tail : tail);
    }
}

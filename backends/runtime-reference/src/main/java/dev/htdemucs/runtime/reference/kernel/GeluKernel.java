package dev.htdemucs.runtime.reference.kernel;

/**
 * {@code gelu} (exact): 0.5·x·(1 + erf(x/√2)), evaluated in double with {@link Erf} and rounded once.
 * Both signs go through erfc(|x|/√2): 1 + erf = 2 − erfc for x ≥ 0, and erfc itself for x &lt; 0, which keeps
 * full relative precision in the negative tail.
 */
public final class GeluKernel extends ElementwiseUnaryKernel {
    private static final double INV_SQRT2 = 0.7071067811865476;

    @Override public String op() { return "gelu"; }

    /** As {@link #gelu} element by element, with the exponentials of a block at a time in {@link Exp}'s array form. */
    @Override protected void apply(float[] x, float[] out, int from, int to) {
        double[][] scratch = Exp.scratch(Exp.BLOCK);
        double[] d = scratch[0], e = scratch[1];
        for (int b = from; b < to; b += Exp.BLOCK) {
            int n = Math.min(Exp.BLOCK, to - b);
            for (int i = 0; i < n; i++) {
                double z = Math.abs((double) x[b + i]) * INV_SQRT2;
                d[i] = -z * z;
            }
            Exp.exp(d, e, scratch[2], n);
            for (int i = 0; i < n; i++) {
                double xi = x[b + i];
                double z = Math.abs(xi) * INV_SQRT2;
                if (Double.isNaN(xi) || xi > 8 || !(z < Erf.TABLE_LIMIT)) {
                    out[b + i] = (float) gelu(xi);
                } else {
                    double tail = Erf.erfcTable(z, e[i]);
                    out[b + i] = (float) (0.5 * xi * (xi >= 0 ? 2.0 - tail : tail));
                }
            }
        }
    }

    static double gelu(double x) {
        if (Double.isNaN(x)) return x;
        if (x > 8) return x; // erfc(x/√2) < 1e-15: 1 + erf is 2 to double precision
        double tail = Erf.erfcNonNegative(Math.abs(x) * INV_SQRT2); // erfc(|x|/√2)
        return 0.5 * x * (x >= 0 ? 2.0 - tail : tail);
    }
}

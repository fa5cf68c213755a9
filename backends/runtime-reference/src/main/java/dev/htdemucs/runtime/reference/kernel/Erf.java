package dev.htdemucs.runtime.reference.kernel;

/**
 * The error function in double precision, to about 1e-13 relative error (far below float resolution),
 * fast enough for tens of millions of GELUs.
 *
 * <ul>
 *   <li>erf for |z| &lt; 0.5: its Maclaurin series (2/√π)·Σ (−1)^n z^{2n+1} / (n!·(2n+1)),
 *       {@value #MACLAURIN_TERMS} terms (full relative precision near 0);</li>
 *   <li>erfc for 0 ≤ z &lt; {@value #TABLE_END} (and erf = 1 − erfc above 0.5): erfc(z) = erfcx(z)·e^{−z²}, where
 *       the smooth, bounded erfcx(z) = e^{z²}·erfc(z) comes from Chebyshev fits with {@value #DEGREE}
 *       coefficients on intervals of width {@value #INTERVAL}, evaluated as monomials by Horner's rule;</li>
 *   <li>beyond: erfc(z) = (e^{−z²}/√π) / (z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), Laplace's continued
 *       fraction, {@value #FRACTION_TERMS} terms (converged to double precision from z = 10 on).</li>
 * </ul>
 * The Chebyshev coefficients are computed when the class loads, from slow but exact-to-double
 * definitions: the everywhere-positive series erf(z) = (2/√π)·e^{−z²}·Σ z·(2z²)^n / (1·3···(2n+1)) below
 * z = 1.5, the continued fraction with {@value #REFERENCE_FRACTION_TERMS} terms above.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;
    private static final int MACLAURIN_TERMS = 12;
    private static final double SMALL = 0.5;
    private static final double INTERVAL = 0.5;
    private static final double TABLE_END = 10.0;
    private static final int DEGREE = 12;
    private static final int FRACTION_TERMS = 24;
    private static final int REFERENCE_FRACTION_TERMS = 400;

    /** (2/√π)·(−1)^n / (n!·(2n+1)): erf(z) = z·Σ MACLAURIN[n]·z^{2n}. */
    private static final double[] MACLAURIN = new double[MACLAURIN_TERMS];
    /** erfcx on [i·INTERVAL, (i+1)·INTERVAL] as a polynomial in t ∈ [−1, 1] (monomial coefficients). */
    private static final double[][] ERFCX = new double[(int) Math.round(TABLE_END / INTERVAL)][];

    static {
        double factorial = 1;
        for (int n = 0; n < MACLAURIN_TERMS; n++) {
            if (n > 0) factorial *= n;
            MACLAURIN[n] = TWO_OVER_SQRT_PI * (n % 2 == 0 ? 1 : -1) / (factorial * (2 * n + 1));
        }
        for (int i = 0; i < ERFCX.length; i++) {
            ERFCX[i] = monomial(chebyshevFit(i * INTERVAL, (i + 1) * INTERVAL));
        }
    }

    private Erf() {}

    public static double erf(double z) {
        if (Double.isNaN(z)) return z;
        double a = Math.abs(z);
        double r = a < SMALL ? maclaurin(a) : 1.0 - erfcNonNegative(a);
        return z < 0 ? -r : r;
    }

    /** 1 − erf(z), with full relative precision in the tail. */
    public static double erfc(double z) {
        if (Double.isNaN(z)) return z;
        return z < 0 ? 1.0 + erf(-z) : erfcNonNegative(z);
    }

    private static double maclaurin(double z) {
        double w = z * z, s = MACLAURIN[MACLAURIN_TERMS - 1];
        for (int n = MACLAURIN_TERMS - 2; n >= 0; n--) s = s * w + MACLAURIN[n];
        return z * s;
    }

    /** erfc for z ≥ 0 (not NaN); one table path for all but the far tail, so callers' loops stay branch-light. */
    static double erfcNonNegative(double z) {
        if (z < TABLE_END) {
            int i = (int) (z * (1 / INTERVAL));
            return horner(ERFCX[i], 2 * (z - i * INTERVAL) * (1 / INTERVAL) - 1) * Exp.exp(-z * z);
        }
        if (z > 27) return 0.0; // e^{-z²} underflows
        return Exp.exp(-z * z) * ONE_OVER_SQRT_PI / fraction(z, FRACTION_TERMS);
    }

    /** Below this, {@link #erfcNonNegative} is the table times e^{−z²}. */
    static final double TABLE_LIMIT = TABLE_END;

    /** {@link #erfcNonNegative} for 0 ≤ z &lt; {@link #TABLE_LIMIT}, given {@code expMinusZ2 = Exp.exp(-z * z)}. */
    static double erfcTable(double z, double expMinusZ2) {
        int i = (int) (z * (1 / INTERVAL));
        return horner(ERFCX[i], 2 * (z - i * INTERVAL) * (1 / INTERVAL) - 1) * expMinusZ2;
    }

    private static double fraction(double z, int terms) {
        double f = z;
        for (int n = terms; n >= 1; n--) f = z + (0.5 * n) / f;
        return f;
    }

    /** Σ a_j t^j. */
    private static double horner(double[] a, double t) {
        double s = a[a.length - 1];
        for (int j = a.length - 2; j >= 0; j--) s = Math.fma(s, t, a[j]);
        return s;
    }

    /**
     * The same polynomial in the monomial basis: Σ c_j T_j(t) = Σ a_j t^j (the fits' coefficients decay
     * fast, so the conversion costs no accuracy that matters), evaluated by Horner's rule, whose chain of
     * fused multiply-adds is about half as long as Clenshaw's recurrence.
     */
    private static double[] monomial(double[] c) {
        int n = c.length;
        double[] a = new double[n];
        double[] older = new double[n], old = new double[n]; // T_{j-2}, T_{j-1} in the monomial basis
        for (int j = 0; j < n; j++) {
            double[] t = new double[n];                       // T_j
            if (j == 0) {
                t[0] = 1;
            } else if (j == 1) {
                t[1] = 1;
            } else {
                for (int q = 0; q + 1 < n; q++) t[q + 1] = 2 * old[q]; // T_j = 2t·T_{j-1} − T_{j-2}
                for (int q = 0; q < n; q++) t[q] -= older[q];
            }
            for (int q = 0; q < n; q++) a[q] += c[j] * t[q];
            older = old;
            old = t;
        }
        return a;
    }

    /** Chebyshev interpolation of erfcx on [a, b] at DEGREE Chebyshev nodes. */
    private static double[] chebyshevFit(double a, double b) {
        int n = DEGREE;
        double[] values = new double[n], c = new double[n];
        for (int k = 0; k < n; k++) {
            double t = Math.cos(Math.PI * (k + 0.5) / n);
            values[k] = referenceErfcx(0.5 * (b - a) * t + 0.5 * (b + a));
        }
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++) s += values[k] * Math.cos(Math.PI * j * (k + 0.5) / n);
            c[j] = 2.0 * s / n;
        }
        c[0] *= 0.5;
        return c;
    }

    /** e^{z²}·erfc(z) for z ≥ 0 from the slow, exact definitions. */
    static double referenceErfcx(double z) {
        if (z < 1.5) {
            double z2 = 2 * z * z, term = z, sum = z;
            for (int n = 1; term > sum * 1e-18; n++) {
                term *= z2 / (2 * n + 1);
                sum += term;
            }
            return Math.exp(z * z) - TWO_OVER_SQRT_PI * sum;
        }
        return ONE_OVER_SQRT_PI / fraction(z, REFERENCE_FRACTION_TERMS);
    }
}

package dev.htdemucs.runtime.reference.kernel;

/**
 * e^x in double precision to a few units in the last place, roughly three times faster than
 * {@link Math#exp} on this JDK, for the kernels that take millions of exponentials (softmax, sigmoid,
 * glu, gelu). x = k·ln2 + r with |r| ≤ ln2/2 (ln2 split in two parts so r is exact), e^r by its Taylor
 * polynomial of degree 12 (truncation error below 2e-16), and 2^k put straight into the exponent bits.
 *
 * <p>{@link #exp(double[], double[], double[], int)} computes the same values, bit for bit, for whole arrays
 * about twice as fast: the polynomial runs in a branch-free loop the JIT vectorises (k by the
 * round-to-nearest-even of adding and subtracting 1.5·2^52, which is {@link Math#rint} for |x·log2 e| &lt;
 * 2^51), and only the scaling by 2^k (a bit move the JDK 17 JIT does not vectorise) and the rare
 * out-of-range arguments run element by element.
 */
public final class Exp {
    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 0.6931471803691238;
    private static final double LN2_LO = 1.9082149292705877e-10;
    /** Below this, 2^k is subnormal: leave it to Math.exp. */
    private static final double NORMAL_LIMIT = -708;
    private static final double OVERFLOW = 709.782712893384;

    /** 1.5·2^52: adding and subtracting it rounds to an integer (ties to even), and leaves the integer in the low bits. */
    private static final double ROUND = 0x1.8p52;

    private Exp() {}

    /** Elements per call of the array form in the kernels: its scratch arrays stay in the L1 cache. */
    static final int BLOCK = 1024;

    private static final ThreadLocal<double[][]> SCRATCH = ThreadLocal.withInitial(() -> new double[3][BLOCK]);

    /** Three scratch arrays of this thread, each of length ≥ n, for the array form. */
    static double[][] scratch(int n) {
        double[][] s = SCRATCH.get();
        if (s[0].length < n) {
            s = new double[3][Math.max(n, 2 * s[0].length)];
            SCRATCH.set(s);
        }
        return s;
    }

    /**
     * {@code out[i] = exp(x[i])} for {@code i < n}, bit for bit as {@link #exp(double)}; {@code scratch}
     * (length ≥ n) is overwritten; {@code out} must not be {@code x}.
     */
    public static void exp(double[] x, double[] out, double[] scratch, int n) {
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            double t = xi * LOG2E + ROUND;
            double k = t - ROUND;
            double r = (xi - k * LN2_HI) - k * LN2_LO;
            scratch[i] = t;
            out[i] = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720
                    + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800
                    + r * (1.0 / 39916800 + r * (1.0 / 479001600))))))))))));
        }
        for (int i = 0; i < n; i++) {
            double xi = x[i];
            // the low bits of t are k (two's complement): (k + 1023) << 52 as in exp(double)
            if (xi > NORMAL_LIMIT && !(xi > OVERFLOW)) out[i] *= Double.longBitsToDouble((Double.doubleToRawLongBits(scratch[i]) + 1023) << 52);
            else out[i] = exp(xi);
        }
    }

    public static double exp(double x) {
        if (!(x > NORMAL_LIMIT)) return Math.exp(x); // NaN, -inf, and results near or below the normal range
        if (x > OVERFLOW) return Double.POSITIVE_INFINITY;
        double k = Math.rint(x * LOG2E);
        double r = (x - k * LN2_HI) - k * LN2_LO;
        double p = 1 + r * (1 + r * (1.0 / 2 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720
                + r * (1.0 / 5040 + r * (1.0 / 40320 + r * (1.0 / 362880 + r * (1.0 / 3628800
                + r * (1.0 / 39916800 + r * (1.0 / 479001600))))))))))));
        return p * Double.longBitsToDouble(((long) k + 1023) << 52);
    }
}

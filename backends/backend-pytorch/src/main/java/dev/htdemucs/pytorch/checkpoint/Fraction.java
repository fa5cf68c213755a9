package dev.htdemucs.pytorch.checkpoint;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * A Python {@code fractions.Fraction} (demucs stores {@code kwargs['segment']} as one, e.g. 39/5 seconds),
 * always in lowest terms with a positive denominator.
 */
public record Fraction(long numerator, long denominator) {
    /** Python caps int() at 4300 digits for the same reason (CVE-2020-10735). */
    private static final int MAX_TEXT_LENGTH = 4300;
    private static final int MAX_DECIMAL_EXPONENT = 64;

    public Fraction {
        if (denominator <= 0) {
            throw new IllegalArgumentException("fraction denominator must be positive, got " + numerator + "/" + denominator);
        }
        if (BigInteger.valueOf(numerator).gcd(BigInteger.valueOf(denominator)).longValue() != 1) {
            throw new IllegalArgumentException("fraction " + numerator + "/" + denominator + " is not in lowest terms; use Fraction.of");
        }
    }

    /** Reduces {@code numerator/denominator} to lowest terms, like Python's {@code Fraction(n, d)}. */
    public static Fraction of(long numerator, long denominator) {
        return of(BigInteger.valueOf(numerator), BigInteger.valueOf(denominator));
    }

    static Fraction of(BigInteger numerator, BigInteger denominator) {
        if (denominator.signum() == 0) {
            throw new ArithmeticException("fraction with zero denominator: " + numerator + "/0");
        }
        BigInteger gcd = numerator.gcd(denominator);
        if (gcd.signum() == 0) {
            gcd = BigInteger.ONE;
        }
        if (denominator.signum() < 0) {
            gcd = gcd.negate();
        }
        BigInteger n = numerator.divide(gcd);
        BigInteger d = denominator.divide(gcd);
        if (n.bitLength() > 63 || d.bitLength() > 63) {
            throw new ArithmeticException("fraction " + n + "/" + d + " does not fit in 64-bit integers");
        }
        return new Fraction(n.longValueExact(), d.longValueExact());
    }

    /**
     * Parses what {@code str(Fraction)} and Python's {@code Fraction(str)} accept for plain values:
     * {@code "39/5"}, {@code "-3"}, {@code "1.5"}, {@code "2e-3"} (surrounding spaces allowed).
     */
    public static Fraction parse(String text) {
        String s = text.strip();
        if (s.length() > MAX_TEXT_LENGTH) {
            // like Python's int() digit limit: parsing huge numbers is quadratic, and none fits in 64 bits
            throw new IllegalArgumentException("not a fraction: a " + s.length() + "-character text (limit "
                    + MAX_TEXT_LENGTH + ")");
        }
        try {
            int slash = s.indexOf('/');
            if (slash >= 0) {
                return of(new BigInteger(s.substring(0, slash).strip()), new BigInteger(s.substring(slash + 1).strip()));
            }
            BigDecimal decimal = new BigDecimal(s).stripTrailingZeros();
            // value = unscaled * 10^-scale with unscaled not a multiple of 10: beyond these exponents the integer
            // part exceeds 10^19 or the reduced denominator 2^scale, so refuse before computing 10^|scale|
            if (decimal.signum() != 0 && (decimal.scale() < -MAX_DECIMAL_EXPONENT || decimal.scale() > MAX_DECIMAL_EXPONENT)) {
                throw new ArithmeticException("'" + text + "' does not fit in 64-bit integers");
            }
            if (decimal.scale() <= 0) {
                return of(decimal.toBigIntegerExact(), BigInteger.ONE);
            }
            return of(decimal.unscaledValue(), BigInteger.TEN.pow(decimal.scale()));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a fraction: '" + text + "' (expected forms like 39/5, 7, 1.5)", e);
        }
    }

    public double toDouble() {
        return (double) numerator / denominator;
    }

    /** {@code 39/5}, or just {@code 7} for whole numbers, as Python prints it. */
    @Override
    public String toString() {
        return denominator == 1 ? Long.toString(numerator) : numerator + "/" + denominator;
    }
}

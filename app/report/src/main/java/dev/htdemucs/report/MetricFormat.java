package dev.htdemucs.report;

import java.util.Locale;

/**
 * The one place numbers become text, shared by {@link ConsoleTable} and {@link HtmlReport} so both show the
 * same digits. Locale-independent ({@link Locale#ROOT}); non-finite values print as {@code inf}, {@code -inf}
 * and {@code nan} (identical signals have an SNR of {@code inf}).
 */
public final class MetricFormat {

    private MetricFormat() {
    }

    /** Ratios in dB (SNR, SI-SDR): two decimals, e.g. {@code 84.21}. */
    public static String decibels(double value) {
        return nonFinite(value, "%.2f");
    }

    /** Amplitudes and relative errors: scientific with four significant digits, e.g. {@code 3.120e-06}. */
    public static String amplitude(double value) {
        return nonFinite(value, "%.3e");
    }

    /** Durations in seconds: milliseconds resolution, e.g. {@code 1.234}. */
    public static String seconds(double value) {
        return nonFinite(value, "%.3f");
    }

    /**
     * Values of unknown scale (bound measurements and limits): {@code 0}, two decimals between 0.01 and 10⁵
     * (dB-like values, counts), scientific otherwise (errors).
     */
    public static String general(double value) {
        if (value == 0) {
            return "0";
        }
        double magnitude = Math.abs(value);
        return nonFinite(value, magnitude >= 0.01 && magnitude < 1e5 ? "%.2f" : "%.3e");
    }

    private static String nonFinite(double value, String pattern) {
        if (Double.isNaN(value)) {
            return "nan";
        }
        if (value == Double.POSITIVE_INFINITY) {
            return "inf";
        }
        if (value == Double.NEGATIVE_INFINITY) {
            return "-inf";
        }
        return String.format(Locale.ROOT, pattern, value);
    }
}

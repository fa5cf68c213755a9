package dev.htdemucs.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A linear axis from a data range to pixels, widened to "nice" tick steps (1, 2 or 5 × 10ⁿ) so tick labels
 * read as round numbers.
 */
final class LinearAxis {

    private final double low;
    private final double high;
    private final double step;
    private final double pixelLow;
    private final double pixelHigh;

    private LinearAxis(double low, double high, double step, double pixelLow, double pixelHigh) {
        this.low = low;
        this.high = high;
        this.step = step;
        this.pixelLow = pixelLow;
        this.pixelHigh = pixelHigh;
    }

    /**
     * An axis covering {@code [min, max]} (both finite) with about {@code targetTicks} intervals, mapped onto
     * {@code [pixelLow, pixelHigh]} ({@code pixelLow} may be greater than {@code pixelHigh}, as for y in SVG).
     */
    static LinearAxis covering(double min, double max, int targetTicks, double pixelLow, double pixelHigh) {
        if (!(Double.isFinite(min) && Double.isFinite(max))) {
            throw new IllegalArgumentException("axis range must be finite, got " + min + " .. " + max);
        }
        if (max - min < 1e-9 * Math.max(1, Math.abs(max))) {
            max = min + Math.max(1, Math.abs(min) * 0.1);
        }
        double step = niceStep((max - min) / targetTicks);
        double low = Math.floor(min / step) * step;
        double high = Math.ceil(max / step) * step;
        return new LinearAxis(low, high, step, pixelLow, pixelHigh);
    }

    /** The 1, 2 or 5 × 10ⁿ nearest {@code raw} (Heckbert's "nice numbers", rounding variant). */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            throw new IllegalArgumentException("axis step must be positive and finite, got " + raw);
        }
        double exponent = Math.floor(Math.log10(raw));
        double magnitude = Math.pow(10, exponent);
        double fraction = raw / magnitude;
        double nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
        return nice * magnitude;
    }

    double low() {
        return low;
    }

    double high() {
        return high;
    }

    double step() {
        return step;
    }

    /** Pixel position of {@code value}, clamped to the axis range. */
    double pixel(double value) {
        double clamped = Math.max(low, Math.min(high, value));
        return pixelLow + (clamped - low) / (high - low) * (pixelHigh - pixelLow);
    }

    List<Double> ticks() {
        List<Double> ticks = new ArrayList<>();
        long count = Math.round((high - low) / step);
        for (long i = 0; i <= count; i++) {
            double tick = low + i * step;
            // Snap values such as 0.30000000000000004 and -0.0 so labels stay clean.
            tick = Math.round(tick / step) * step;
            ticks.add(tick == 0 ? 0.0 : tick);
        }
        return ticks;
    }

    /** Tick label with just enough decimals for the step, e.g. {@code 20}, {@code 0.5}, {@code 0.25}. */
    String label(double tick) {
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        if (step < 1 && Math.abs(step * Math.pow(10, decimals) - Math.round(step * Math.pow(10, decimals))) > 1e-6) {
            decimals++;
        }
        return String.format(java.util.Locale.ROOT, "%." + decimals + "f", tick);
    }
}

package dev.htdemucs.bench;

import java.util.Arrays;

/**
 * Summary of repeated timings of one thing, in the unit the field holding it names (ms or s). The
 * median is the figure we report: it ignores the odd run slowed by another process on a shared machine.
 */
public record Stats(int count, double median, double min, double max) {

    public static Stats of(double... values) {
        if (values.length == 0) throw new IllegalArgumentException("no timings to summarise");
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(n, median, sorted[0], sorted[n - 1]);
    }
}

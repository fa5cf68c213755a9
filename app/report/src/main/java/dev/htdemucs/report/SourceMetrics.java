package dev.htdemucs.report;

import dev.htdemucs.numerics.Comparison;

import java.util.Objects;

/**
 * How far one separated source (stem) of a test run is from the same stem of the reference run.
 *
 * <p>Identical stems give {@code snrDb = siSdrDb = +Infinity}; a NaN anywhere in the test output makes every
 * metric NaN (see {@link dev.htdemucs.numerics.Metrics}). Both survive the console, JSON and HTML renderings.
 *
 * @param source          source name in model order, e.g. {@code drums}
 * @param maxAbs          max |ref − test| over all channels and samples of the stem
 * @param maxAbsRelToPeak maxAbs / max |ref| (plain maxAbs when the reference stem is silent)
 * @param snrDb           10·log10(Σref² / Σ(ref−test)²)
 * @param siSdrDb         scale-invariant signal-to-distortion ratio in dB
 */
public record SourceMetrics(String source, double maxAbs, double maxAbsRelToPeak, double snrDb, double siSdrDb) {

    public SourceMetrics {
        Objects.requireNonNull(source, "source");
    }

    public static SourceMetrics of(String source, Comparison comparison) {
        return new SourceMetrics(source, comparison.maxAbs(), comparison.maxAbsRelativeToPeak(), comparison.snrDb(),
                comparison.siSdrDb());
    }

    /** Compares the samples of one stem (any layout, as long as both arrays use the same one). */
    public static SourceMetrics compare(String source, float[] reference, float[] test) {
        return of(source, Comparison.of(reference, test));
    }
}

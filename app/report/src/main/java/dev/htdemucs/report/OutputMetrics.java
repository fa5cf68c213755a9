package dev.htdemucs.report;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;

import java.util.Objects;

/**
 * How far one whole inner-network output ({@code spec_out} [1,S,2C,F,T] or {@code wave_out} [1,S,C,L]) of a
 * test run is from the reference run's. Inner outputs localise a difference before the host's iSTFT mixes the
 * two branches into the stems.
 *
 * @param output          graph output name
 * @param maxAbs          max |ref − test|
 * @param maxAbsRelToPeak maxAbs / max |ref| (plain maxAbs when the reference is all zeros)
 * @param snrDb           10·log10(Σref² / Σ(ref−test)²)
 * @param siSdrDb         scale-invariant signal-to-distortion ratio in dB
 */
public record OutputMetrics(String output, double maxAbs, double maxAbsRelToPeak, double snrDb, double siSdrDb) {

    public OutputMetrics {
        Objects.requireNonNull(output, "output");
    }

    public static OutputMetrics of(String output, Comparison comparison) {
        return new OutputMetrics(output, comparison.maxAbs(), comparison.maxAbsRelativeToPeak(), comparison.snrDb(),
                comparison.siSdrDb());
    }

    /** @throws IllegalArgumentException when the shapes differ (the message names both shapes) */
    public static OutputMetrics compare(String output, NpyArray reference, NpyArray test) {
        try {
            return of(output, Comparison.of(reference, test));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("inner output '" + output + "': " + e.getMessage(), e);
        }
    }
}

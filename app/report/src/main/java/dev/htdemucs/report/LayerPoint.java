package dev.htdemucs.report;

import dev.htdemucs.numerics.Comparison;

import java.util.Objects;

/**
 * Divergence of one layer's activation from the reference run's activation of the same layer.
 *
 * @param layer           layer name, e.g. {@code encoder0}, {@code transformer}, {@code tdecoder3}
 * @param snrDb           10·log10(Σref² / Σ(ref−test)²) of the activation; +Infinity when identical
 * @param maxAbsRelToPeak relative error max |ref − test| / max |ref|
 */
public record LayerPoint(String layer, double snrDb, double maxAbsRelToPeak) {

    public LayerPoint {
        Objects.requireNonNull(layer, "layer");
    }

    public static LayerPoint of(String layer, Comparison comparison) {
        return new LayerPoint(layer, comparison.snrDb(), comparison.maxAbsRelativeToPeak());
    }
}

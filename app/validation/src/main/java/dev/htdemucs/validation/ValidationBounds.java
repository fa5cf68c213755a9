package dev.htdemucs.validation;

import dev.htdemucs.report.Bound;
import dev.htdemucs.report.OutputMetrics;
import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.SourceMetrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The acceptance bounds of {@code validate}, stated up front (they appear in {@code --help} and in every report):
 *
 * <ul>
 *   <li>every fp32 run (runtimes reference, onnxruntime, pytorch; the coreml package at precision fp32):
 *       max |ref − test| ≤ {@value #FP32_MAX_ABS_OF_PEAK} × max |ref| on every stem and every inner output of
 *       every input — float32 computed in another order, nothing more;</li>
 *   <li>every other precision (fp16, mixed, auto, plugins'): SNR ≥ the given minimum (default
 *       {@value #DEFAULT_MIN_FP16_SNR_DB} dB) on every stem of every input that is not silence (against a
 *       silent reference an SNR is −∞ for any error at all, however inaudible);</li>
 *   <li>no NaN or infinity in any output of any run, the reference's included.</li>
 * </ul>
 *
 * One bound per run label (runtime and precision), so the report says which conversion broke which bound.
 */
final class ValidationBounds {
    static final double FP32_MAX_ABS_OF_PEAK = 1e-4;
    static final double DEFAULT_MIN_FP16_SNR_DB = 40;
    static final String FP32 = "fp32";

    private ValidationBounds() {}

    /**
     * @param runs            every compared run (not the reference run itself)
     * @param silentCases     names of the inputs that are all zeros
     * @param nonFiniteValues NaN and infinite values counted over every run's outputs, the reference's included
     */
    static List<Bound> of(List<RunResult> runs, Set<String> silentCases, long nonFiniteValues, double minFp16SnrDb) {
        Map<String, List<RunResult>> byLabel = new LinkedHashMap<>();
        for (RunResult run : runs) byLabel.computeIfAbsent(run.label(), l -> new ArrayList<>()).add(run);
        List<Bound> bounds = new ArrayList<>();
        for (Map.Entry<String, List<RunResult>> e : byLabel.entrySet()) {
            List<RunResult> labelled = e.getValue();
            if (labelled.get(0).precision().equals(FP32)) {
                bounds.add(Bound.atMost(fp32Description(e.getKey()), worstRelativeError(labelled), FP32_MAX_ABS_OF_PEAK));
            } else {
                List<RunResult> audible = labelled.stream().filter(r -> !silentCases.contains(r.caseName())).toList();
                if (audible.stream().anyMatch(r -> !r.sources().isEmpty())) {
                    bounds.add(Bound.atLeast(snrDescription(e.getKey()), lowestSnr(audible), minFp16SnrDb));
                }
            }
        }
        bounds.add(Bound.atMost(NO_NAN, nonFiniteValues, 0));
        return bounds;
    }

    static final String NO_NAN = "no NaN or infinity in any output of any run (count)";

    static String fp32Description(String label) {
        return label + ": max abs / peak, every stem and inner output";
    }

    static String snrDescription(String label) {
        return label + ": SNR in dB, every stem of every non-silent input";
    }

    /** The largest max|ref − test| / max|ref| over all stems and inner outputs; NaN when any is NaN. */
    static double worstRelativeError(List<RunResult> runs) {
        double worst = 0;
        for (RunResult run : runs) {
            // Math.max and Math.min return NaN when either argument is NaN: a NaN anywhere breaks the bound.
            for (SourceMetrics s : run.sources()) worst = Math.max(worst, s.maxAbsRelToPeak());
            for (OutputMetrics o : run.innerOutputs()) worst = Math.max(worst, o.maxAbsRelToPeak());
        }
        return worst;
    }

    /** The lowest stem SNR; NaN when any is NaN. */
    static double lowestSnr(List<RunResult> runs) {
        double lowest = Double.POSITIVE_INFINITY;
        for (RunResult run : runs) {
            for (SourceMetrics s : run.sources()) lowest = Math.min(lowest, s.snrDb());
        }
        return lowest;
    }
}

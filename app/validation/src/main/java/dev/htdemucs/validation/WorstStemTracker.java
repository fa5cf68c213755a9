package dev.htdemucs.validation;

import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.report.ErrorSpectrogram;
import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.WorstStem;

import java.util.List;
import java.util.Optional;

/**
 * Keeps the separated outputs of the run holding the worst stem so far, and nothing else: the report's
 * error spectrogram needs the samples of one run, and keeping every run's stems of a full-size model would
 * cost gigabytes. The ranking is {@link WorstStem#among}'s, so the stem chosen here is the one the report
 * names as the worst.
 */
final class WorstStemTracker {
    private RunResult run;
    private NpyArray reference;
    private NpyArray test;

    /** Considers a run, with the reference's and the run's separated outputs {@code [1, S, C, L]}. */
    void offer(RunResult candidate, NpyArray referenceStems, NpyArray testStems) {
        if (candidate.sources().isEmpty()) return;
        // On a tie among() keeps the first in iteration order, as it does over all runs.
        List<RunResult> contenders = run == null ? List.of(candidate) : List.of(run, candidate);
        WorstStem worst = WorstStem.among(contenders).orElseThrow();
        if (worst.run() == candidate) {
            run = candidate;
            reference = referenceStems;
            test = testStems;
        }
    }

    /** The error spectrogram of the worst stem, on the channel where its error has the most energy. */
    Optional<ErrorSpectrogram> spectrogram(int sampleRate) {
        if (run == null) return Optional.empty();
        WorstStem worst = WorstStem.among(List.of(run)).orElseThrow();
        int source = worst.sourceIndex();
        int channels = reference.dim(2);
        int length = reference.dim(3);
        float[] ref = reference.data();
        float[] out = test.data();
        int loudest = 0;
        double loudestEnergy = -1;
        for (int c = 0; c < channels; c++) {
            int offset = (source * channels + c) * length;
            double energy = 0;
            for (int i = offset; i < offset + length; i++) {
                double e = (double) out[i] - ref[i];
                energy += e * e;
            }
            if (energy > loudestEnergy || Double.isNaN(energy)) {
                loudest = c;
                loudestEnergy = energy;
                if (Double.isNaN(energy)) break;
            }
        }
        return Optional.of(ErrorSpectrogram.ofWorstStem(worst, loudest, reference, test, sampleRate));
    }
}

package dev.htdemucs.report;

import dev.htdemucs.numerics.NpyArray;

import java.util.Arrays;
import java.util.Objects;

/**
 * Where in time and frequency a test stem differs from the reference stem: the magnitude STFT of
 * {@code test − reference} for one channel, pooled onto a small grid for display.
 *
 * <p>Convention (stated once, here): periodic Hann window of {@code fftSize} samples, frames every {@code hop}
 * samples starting at sample 0, no centre padding, the last frame zero-padded; a signal shorter than one window
 * gives one zero-padded frame. A bin's level is {@code 20·log10(2·|X[k]| / Σw)} dB, calibrated so that a
 * full-scale sine (amplitude 1) reads 0 dB; levels below {@link #FLOOR_DB} (including exact zeros) read
 * {@code FLOOR_DB}. Frames and bins are pooled onto at most {@code maxTimeCells × maxFrequencyCells} cells by
 * taking the <em>maximum</em> level in each cell, so a short or narrow-band error is never averaged away.
 * Cell levels are rounded to 0.1 dB.
 *
 * @param runtime         runtime of the run the stem comes from
 * @param precision       precision of that run
 * @param caseName        input of that run
 * @param source          stem name
 * @param channel         audio channel analysed (0 = left)
 * @param sampleRate      samples per second (for the axes)
 * @param fftSize         window length in samples (a power of two)
 * @param hop             frame step in samples
 * @param durationSeconds signal length in seconds
 * @param timeCells       cells along time
 * @param frequencyCells  cells along frequency, 0 Hz to sampleRate / 2, linear
 * @param levelsDb        {@code timeCells × frequencyCells} levels in dB, index {@code t · frequencyCells + f},
 *                        {@code f = 0} the lowest frequency
 */
public record ErrorSpectrogram(String runtime, String precision, String caseName, String source, int channel,
                               int sampleRate, int fftSize, int hop, double durationSeconds, int timeCells,
                               int frequencyCells, float[] levelsDb) {

    /** Level shown for silence: far below any float32 rounding error of audio (about −150 dB). */
    public static final double FLOOR_DB = -300;
    public static final int DEFAULT_FFT_SIZE = 1024;
    public static final int DEFAULT_HOP = 256;
    public static final int DEFAULT_MAX_TIME_CELLS = 200;
    public static final int DEFAULT_MAX_FREQUENCY_CELLS = 128;

    public ErrorSpectrogram {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(caseName, "caseName");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(levelsDb, "levelsDb");
        if (timeCells < 1 || frequencyCells < 1 || (long) timeCells * frequencyCells != levelsDb.length) {
            throw new IllegalArgumentException("error spectrogram of " + timeCells + " × " + frequencyCells
                    + " cells needs " + (long) timeCells * frequencyCells + " levels, got " + levelsDb.length);
        }
        levelsDb = levelsDb.clone();
    }

    /**
     * The error spectrogram of stem {@code source} of {@code run}, channel {@code channel}, with the default
     * window (1024), hop (256) and grid (≤ 200 × 128).
     *
     * @param reference the reference run's separated output {@code [1, S, C, L]}
     * @param test      the test run's separated output, same shape
     */
    public static ErrorSpectrogram ofStem(RunResult run, String source, int channel, NpyArray reference,
                                          NpyArray test, int sampleRate) {
        int sourceIndex = run.sourceIndex(source);
        float[] referenceChannel = channelOf(reference, sourceIndex, channel, "reference");
        float[] testChannel = channelOf(test, sourceIndex, channel, "test");
        if (!reference.sameShape(test)) {
            throw new IllegalArgumentException("error spectrogram of " + run.label() + " on " + run.caseName()
                    + ": reference output has shape " + Arrays.toString(reference.shape()) + ", test output "
                    + Arrays.toString(test.shape()));
        }
        return of(run.runtime(), run.precision(), run.caseName(), source, channel, referenceChannel, testChannel,
                sampleRate, DEFAULT_FFT_SIZE, DEFAULT_HOP, DEFAULT_MAX_TIME_CELLS, DEFAULT_MAX_FREQUENCY_CELLS);
    }

    /** {@link #ofStem} for the stem {@link WorstStem#among} picked. */
    public static ErrorSpectrogram ofWorstStem(WorstStem worst, int channel, NpyArray reference, NpyArray test,
                                               int sampleRate) {
        return ofStem(worst.run(), worst.source().source(), channel, reference, test, sampleRate);
    }

    /** The error spectrogram of two single-channel signals of equal length. */
    public static ErrorSpectrogram of(String runtime, String precision, String caseName, String source, int channel,
                                      float[] reference, float[] test, int sampleRate, int fftSize, int hop,
                                      int maxTimeCells, int maxFrequencyCells) {
        if (reference.length != test.length) {
            throw new IllegalArgumentException("error spectrogram of " + source + ": reference has "
                    + reference.length + " samples, test has " + test.length);
        }
        if (reference.length == 0) {
            throw new IllegalArgumentException("error spectrogram of " + source + ": the signal is empty");
        }
        if (sampleRate < 1 || hop < 1 || maxTimeCells < 1 || maxFrequencyCells < 1) {
            throw new IllegalArgumentException("error spectrogram needs positive sampleRate, hop and grid size, got "
                    + sampleRate + ", " + hop + ", " + maxTimeCells + " × " + maxFrequencyCells);
        }
        RadixTwoFft fft = new RadixTwoFft(fftSize);
        int length = reference.length;
        int frames = length <= fftSize ? 1 : 1 + (length - fftSize + hop - 1) / hop;
        int bins = fftSize / 2 + 1;
        int timeCells = Math.min(frames, maxTimeCells);
        int frequencyCells = Math.min(bins, maxFrequencyCells);

        double[] window = new double[fftSize];
        double windowSum = 0;
        for (int i = 0; i < fftSize; i++) {
            window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / fftSize);
            windowSum += window[i];
        }
        double calibration = 2 / windowSum;

        double[] cells = new double[timeCells * frequencyCells];
        Arrays.fill(cells, FLOOR_DB);
        double[] re = new double[fftSize];
        double[] im = new double[fftSize];
        for (int frame = 0; frame < frames; frame++) {
            int start = frame * hop;
            for (int i = 0; i < fftSize; i++) {
                int n = start + i;
                re[i] = n < length ? ((double) test[n] - reference[n]) * window[i] : 0;
                im[i] = 0;
            }
            fft.transform(re, im);
            int row = (int) ((long) frame * timeCells / frames) * frequencyCells;
            for (int k = 0; k < bins; k++) {
                double magnitude = Math.hypot(re[k], im[k]) * calibration;
                double db;
                if (Double.isNaN(magnitude) || magnitude == Double.POSITIVE_INFINITY) {
                    db = Double.POSITIVE_INFINITY; // a NaN or ∞ in the output: show it as loud as possible
                } else {
                    db = magnitude > 0 ? 20 * Math.log10(magnitude) : FLOOR_DB;
                }
                int cell = row + (int) ((long) k * frequencyCells / bins);
                cells[cell] = Math.max(cells[cell], Math.max(db, FLOOR_DB));
            }
        }
        float[] levels = new float[cells.length];
        for (int i = 0; i < cells.length; i++) {
            levels[i] = Double.isInfinite(cells[i]) ? (float) cells[i] : Math.round(cells[i] * 10) / 10f;
        }
        return new ErrorSpectrogram(runtime, precision, caseName, source, channel, sampleRate, fftSize, hop,
                (double) length / sampleRate, timeCells, frequencyCells, levels);
    }

    private static float[] channelOf(NpyArray output, int sourceIndex, int channel, String role) {
        if (output.rank() != 4 || output.dim(0) != 1) {
            throw new IllegalArgumentException("error spectrogram expects the " + role
                    + " separated output as [1, S, C, L], got " + Arrays.toString(output.shape()));
        }
        int sources = output.dim(1);
        int channels = output.dim(2);
        int length = output.dim(3);
        if (sourceIndex >= sources || channel < 0 || channel >= channels) {
            throw new IllegalArgumentException("error spectrogram: source " + sourceIndex + ", channel " + channel
                    + " out of range for the " + role + " output " + Arrays.toString(output.shape()));
        }
        int offset = (sourceIndex * channels + channel) * length;
        return Arrays.copyOfRange(output.data(), offset, offset + length);
    }

    /** Level of cell ({@code timeCell}, {@code frequencyCell}) in dB. */
    public double level(int timeCell, int frequencyCell) {
        return levelsDb[timeCell * frequencyCells + frequencyCell];
    }

    @Override
    public float[] levelsDb() {
        return levelsDb.clone();
    }

    /** Loudest cell in dB ({@link #FLOOR_DB} when test and reference are identical). */
    public double peakDb() {
        double max = Double.NEGATIVE_INFINITY;
        for (float level : levelsDb) {
            max = Math.max(max, level);
        }
        return max;
    }

    /** Highest frequency shown: the Nyquist frequency. */
    public double maxFrequencyHz() {
        return sampleRate / 2.0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorSpectrogram other && runtime.equals(other.runtime)
                && precision.equals(other.precision) && caseName.equals(other.caseName)
                && source.equals(other.source) && channel == other.channel && sampleRate == other.sampleRate
                && fftSize == other.fftSize && hop == other.hop
                && Double.compare(durationSeconds, other.durationSeconds) == 0 && timeCells == other.timeCells
                && frequencyCells == other.frequencyCells && Arrays.equals(levelsDb, other.levelsDb);
    }

    @Override
    public int hashCode() {
        return Objects.hash(runtime, precision, caseName, source, channel, sampleRate, fftSize, hop, durationSeconds,
                timeCells, frequencyCells) * 31 + Arrays.hashCode(levelsDb);
    }

    @Override
    public String toString() {
        return "ErrorSpectrogram[" + runtime + " " + precision + ", " + caseName + ", " + source + " channel "
                + channel + ", " + timeCells + " × " + frequencyCells + " cells, peak " + peakDb() + " dB]";
    }
}

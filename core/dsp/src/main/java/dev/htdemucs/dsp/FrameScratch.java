package dev.htdemucs.dsp;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * One thread's working memory for {@link Stft} and {@link Istft}: an FFT plan, a block of frame
 * buffers and the inverse's overlap-add sums, created once per thread and reused so that no frame
 * allocates.
 *
 * <p>Frames are transformed in blocks of {@link #BLOCK} so that reading and writing the
 * {@code [bins][frames]} planes touches runs of {@code BLOCK} consecutive floats instead of one float
 * per cache line.
 */
final class FrameScratch {

    /**
     * Frames per block: 8 × 4096 doubles = 256 KiB for demucs' n_fft, within an L2 cache. The transposes
     * ({@code Stft.storeEight}, {@code Istft.loadEight}) move eight frames at a time; 16 measured no faster.
     */
    static final int BLOCK = 8;

    final DoubleFFT_1D fft;
    /** {@code BLOCK} frames of {@code nFft} samples, in JTransforms' packed real-FFT layout after the transform. */
    final double[][] frames;
    /** The inverse's running overlap-add sums of the {@code nFft} positions one frame spans. */
    private final double[] sums;

    FrameScratch(int nFft) {
        this.fft = new DoubleFFT_1D(nFft);
        this.frames = new double[BLOCK][nFft];
        this.sums = new double[nFft];
    }

    /** The sums, zeroed: a call that failed half-way must not leak its sums into the next. */
    double[] zeroedSums() {
        java.util.Arrays.fill(sums, 0.0);
        return sums;
    }
}

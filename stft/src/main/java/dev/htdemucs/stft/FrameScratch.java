package dev.htdemucs.stft;

import org.jtransforms.fft.DoubleFFT_1D;

/**
 * One thread's working memory for {@link Stft} and {@link Istft}: an FFT plan and a block of frame
 * buffers, created once per thread and reused so that no frame allocates.
 *
 * <p>Frames are transformed in blocks of {@link #BLOCK} so that reading and writing the
 * {@code [bins][frames]} planes touches runs of {@code BLOCK} consecutive floats instead of one float
 * per cache line.
 */
final class FrameScratch {

    /** Frames per block: 8 × 4096 doubles = 256 KiB for demucs' n_fft, about an L2 cache. */
    static final int BLOCK = 8;

    final DoubleFFT_1D fft;
    /** {@code BLOCK} frames of {@code nFft} samples, in JTransforms' packed real-FFT layout after the transform. */
    final double[][] frames;
    private double[] accumulator = new double[0];

    FrameScratch(int nFft) {
        this.fft = new DoubleFFT_1D(nFft);
        this.frames = new double[BLOCK][nFft];
    }

    /** A zeroed buffer of at least {@code length} doubles, reused between calls on this thread. */
    double[] zeroedAccumulator(int length) {
        if (accumulator.length < length) {
            accumulator = new double[length];
        } else {
            java.util.Arrays.fill(accumulator, 0, length, 0.0);
        }
        return accumulator;
    }
}

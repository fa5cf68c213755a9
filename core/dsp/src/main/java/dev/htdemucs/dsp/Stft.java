package dev.htdemucs.dsp;

/**
 * Short-time Fourier transform, bit-for-bit the convention demucs uses through {@code torch.stft}.
 *
 * <h2>The convention (stated once, here; {@link Istft} is its inverse)</h2>
 * This class computes what
 * <pre>
 * torch.stft(x, n_fft, hop_length=hop, win_length=n_fft, window=torch.hann_window(n_fft),
 *            normalized=True, center=True, pad_mode='reflect', onesided=True, return_complex=True)
 * </pre>
 * computes for a real signal {@code x} of length {@code L}:
 * <ul>
 *   <li><b>window</b> {@code w[n] = 0.5 − 0.5·cos(2πn / n_fft)}, {@code n = 0 … n_fft−1}: the
 *       <em>periodic</em> Hann window (torch's default {@code periodic=True}), as long as the FFT, so
 *       no window centring is involved;</li>
 *   <li><b>centre padding</b>: {@code x} is extended by {@code n_fft/2} samples on each side by
 *       reflection without repeating the edge sample ({@code x[-j] = x[j]},
 *       {@code x[L−1+j] = x[L−1−j]}); this needs {@code L > n_fft/2}, as torch does;</li>
 *   <li><b>frames</b>: {@code T = 1 + L / hop} (integer division), frame {@code t} starting at
 *       {@code t·hop − n_fft/2} of the original signal, so frame {@code t} is centred on sample
 *       {@code t·hop};</li>
 *   <li><b>transform</b>: {@code X[k, t] = (1/√n_fft) · Σ_n w[n] · x[t·hop − n_fft/2 + n] · e^{−2πi·kn/n_fft}}
 *       for the one-sided bins {@code k = 0 … n_fft/2}; {@code normalized=True} is the factor
 *       {@code 1/√n_fft} ("frame length" normalisation), which {@link Istft} undoes.</li>
 * </ul>
 * Output: complex {@code [n_fft/2 + 1, T]}, held as {@link ComplexPlanes}.
 *
 * <p>Arithmetic is in double precision (JTransforms {@code DoubleFFT_1D}); results are rounded to float
 * once, when stored. {@code n_fft} must be even (demucs' is a power of two).
 *
 * <p>Instances are immutable and thread-safe: each thread gets its own FFT plan and frame buffers
 * the first time it uses an instance.
 */
public final class Stft {

    private final int nFft;
    private final int hop;
    /** The Hann window times {@code 1/√n_fft}: the {@code normalized=True} scale is applied with the window. */
    private final double[] scaledWindow;
    private final ThreadLocal<FrameScratch> scratch;

    public Stft(int nFft, int hop) {
        checkSizes(nFft, hop);
        this.nFft = nFft;
        this.hop = hop;
        double[] window = hannWindow(nFft);
        double scale = 1.0 / Math.sqrt(nFft);
        this.scaledWindow = new double[nFft];
        for (int n = 0; n < nFft; n++) scaledWindow[n] = window[n] * scale;
        this.scratch = ThreadLocal.withInitial(() -> new FrameScratch(nFft));
    }

    static void checkSizes(int nFft, int hop) {
        if (nFft < 2 || nFft % 2 != 0) {
            throw new IllegalArgumentException("n_fft must be even and >= 2, got " + nFft);
        }
        if (hop <= 0 || hop > nFft) {
            throw new IllegalArgumentException("hop must be in [1, n_fft=" + nFft + "], got " + hop);
        }
    }

    /**
     * {@code torch.hann_window(n)} (periodic) as torch computes it in float32:
     * {@code 0.5 − 0.5·cos(n · float(2π/n))} with the argument and the result rounded to float, so the
     * window matches torch's to the last bit or two rather than to the 1e-7 a double formula would give.
     */
    static double[] hannWindow(int n) {
        float step = (float) (2.0 * Math.PI / n);
        double[] w = new double[n];
        for (int i = 0; i < n; i++) {
            float angle = i * step;
            w[i] = 0.5f - 0.5f * (float) Math.cos(angle);
        }
        return w;
    }

    public int nFft() { return nFft; }

    public int hop() { return hop; }

    /** One-sided bins: {@code n_fft/2 + 1}. */
    public int bins() { return nFft / 2 + 1; }

    /** Frames of a centred STFT of {@code length} samples: {@code 1 + length / hop}. */
    public int frames(int length) {
        return 1 + length / hop;
    }

    /** The whole {@code torch.stft} result for {@code signal}: {@code [bins(), frames(signal.length)]}. */
    public ComplexPlanes forward(float[] signal) {
        ComplexPlanes out = ComplexPlanes.allocate(bins(), frames(signal.length));
        forward(signal, 0, signal.length, 0, out);
        return out;
    }

    /**
     * Computes frames {@code firstFrame … firstFrame + out.frames() − 1} and bins
     * {@code 0 … out.bins() − 1} of the STFT of {@code signal[offset, offset + length)} into {@code out};
     * higher bins and other frames are not computed. With {@code firstFrame = 0} and full-sized planes
     * this is exactly {@code torch.stft}; demucs' framing uses it to drop frames and the Nyquist bin.
     */
    public void forward(float[] signal, int offset, int length, int firstFrame, ComplexPlanes out) {
        int half = nFft / 2;
        if (offset < 0 || length < 0 || (long) offset + length > signal.length) {
            throw new IllegalArgumentException("signal range [" + offset + ", " + ((long) offset + length)
                    + ") lies outside the array of length " + signal.length);
        }
        if (length <= half) {
            throw new IllegalArgumentException("STFT with centre reflect padding of n_fft/2=" + half
                    + " needs a signal longer than " + half + " samples, got " + length);
        }
        int total = frames(length);
        if (firstFrame < 0 || firstFrame + out.frames() > total) {
            throw new IllegalArgumentException("frames [" + firstFrame + ", " + (firstFrame + out.frames())
                    + ") requested, but a signal of " + length + " samples has frames [0, " + total + ")");
        }
        if (out.bins() > bins()) {
            throw new IllegalArgumentException(out.bins() + " bins requested, n_fft=" + nFft + " has " + bins());
        }

        analyze(signal, offset, length, firstFrame * hop - half, out, 0, out.frames());
    }

    /**
     * Columns {@code fromColumn … toColumn − 1} of an STFT whose column {@code t} is the frame starting at
     * sample {@code firstStart + t·hop} of {@code signal[offset, offset + length)} (reflected beyond its
     * ends), arguments already checked. Each column depends only on its own frame, so disjoint column
     * ranges may be computed on different threads, or from different slices of one signal, and give the
     * bits of one call.
     */
    void analyze(float[] signal, int offset, int length, int firstStart, ComplexPlanes out, int fromColumn,
                 int toColumn) {
        FrameScratch s = scratch.get();
        double[][] block = s.frames;
        for (int t0 = fromColumn; t0 < toColumn; t0 += FrameScratch.BLOCK) {
            int count = Math.min(FrameScratch.BLOCK, toColumn - t0);
            for (int b = 0; b < count; b++) {
                double[] frame = block[b];
                fillWindowedFrame(signal, offset, length, firstStart + (t0 + b) * hop, frame);
                s.fft.realForward(frame);
            }
            storeBins(block, count, out, t0);
        }
    }

    private void fillWindowedFrame(float[] signal, int offset, int length, int start, double[] frame) {
        double[] w = scaledWindow;
        if (start >= 0 && start + nFft <= length) {
            int base = offset + start;
            for (int n = 0; n < nFft; n++) frame[n] = w[n] * signal[base + n];
        } else {
            for (int n = 0; n < nFft; n++) frame[n] = w[n] * signal[offset + reflect(start + n, length)];
        }
    }

    /** Index into a signal of {@code length} samples extended by one reflection on each side. */
    static int reflect(int index, int length) {
        if (index < 0) return -index;
        if (index >= length) return 2 * (length - 1) - index;
        return index;
    }

    /**
     * Moves {@code count} transformed frames (JTransforms packing for even n: {@code [2k] = Re k},
     * {@code [2k+1] = Im k} for {@code 0 < k < n/2}, {@code [0] = Re 0}, {@code [1] = Re n/2}) into the
     * planes, columns {@code t0 … t0 + count − 1}.
     */
    private void storeBins(double[][] block, int count, ComplexPlanes out, int t0) {
        float[] data = out.data();
        int frames = out.frames();
        int bins = out.bins();
        int half = nFft / 2;
        int re = out.realOffset() + t0;
        int im = out.imagOffset() + t0;
        for (int b = 0; b < count; b++) {
            data[re + b] = (float) block[b][0];
            data[im + b] = 0f;
        }
        int lastFull = Math.min(bins, half);
        int done = 0;
        for (; done + 8 <= count; done += 8) storeEight(block, done, data, re + done, im + done, frames, lastFull);
        for (int k = 1; k < lastFull; k++) {
            int reRow = re + k * frames;
            int imRow = im + k * frames;
            for (int b = done; b < count; b++) {
                double[] frame = block[b];
                data[reRow + b] = (float) frame[2 * k];
                data[imRow + b] = (float) frame[2 * k + 1];
            }
        }
        if (bins > half) {
            int reRow = re + half * frames;
            int imRow = im + half * frames;
            for (int b = 0; b < count; b++) {
                data[reRow + b] = (float) block[b][1];
                data[imRow + b] = 0f;
            }
        }
    }

    /**
     * {@link #storeBins} for bins {@code 1 … lastFull − 1} of the eight frames {@code block[first …]}, held
     * in locals: as a loop over frames the JIT reloads and bounds-checks a frame array for every value.
     */
    private static void storeEight(double[][] block, int first, float[] data, int re, int im, int frames, int lastFull) {
        double[] f0 = block[first], f1 = block[first + 1], f2 = block[first + 2], f3 = block[first + 3];
        double[] f4 = block[first + 4], f5 = block[first + 5], f6 = block[first + 6], f7 = block[first + 7];
        for (int k = 1; k < lastFull; k++) {
            int r = re + k * frames;
            int i = im + k * frames;
            int j = 2 * k;
            data[r] = (float) f0[j];
            data[r + 1] = (float) f1[j];
            data[r + 2] = (float) f2[j];
            data[r + 3] = (float) f3[j];
            data[r + 4] = (float) f4[j];
            data[r + 5] = (float) f5[j];
            data[r + 6] = (float) f6[j];
            data[r + 7] = (float) f7[j];
            data[i] = (float) f0[j + 1];
            data[i + 1] = (float) f1[j + 1];
            data[i + 2] = (float) f2[j + 1];
            data[i + 3] = (float) f3[j + 1];
            data[i + 4] = (float) f4[j + 1];
            data[i + 5] = (float) f5[j + 1];
            data[i + 6] = (float) f6[j + 1];
            data[i + 7] = (float) f7[j + 1];
        }
    }
}

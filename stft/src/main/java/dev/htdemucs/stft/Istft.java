package dev.htdemucs.stft;

/**
 * Inverse of {@link Stft} under the convention stated there: what
 * <pre>
 * torch.istft(X, n_fft, hop_length=hop, win_length=n_fft, window=torch.hann_window(n_fft),
 *             normalized=True, center=True, onesided=True, length=length)
 * </pre>
 * computes. Per frame: undo {@code normalized=True} and take the real inverse FFT
 * ({@code x[n] = (1/√n_fft) Σ_k X[k]·e^{+2πi·kn/n_fft}} over the Hermitian-completed spectrum; the
 * imaginary parts of bin 0 and bin n_fft/2 are ignored, as by any real inverse FFT), multiply by the
 * window, overlap-add at {@code t·hop}, and divide by the window-square envelope
 * {@code env[p] = Σ_t w²[p − t·hop]} (torch's least-squares estimate). The centre padding is removed
 * by starting the output at {@code n_fft/2}; it has {@code length} samples, zero beyond the
 * {@code n_fft + hop·(T−1)} samples the frames cover (torch pads with zeros there and warns).
 * Like torch, an envelope below {@code 1e-11} anywhere in the output range is an error (the
 * window/hop pair violates the NOLA condition).
 *
 * <p>Instances are immutable and thread-safe (per-thread FFT plan and buffers).
 */
public final class Istft {

    /** torch's NOLA threshold on the window-square envelope. */
    static final double MIN_ENVELOPE = 1e-11;

    private final int nFft;
    private final int hop;
    /**
     * Hann window times {@code √n_fft / gain}: JTransforms' unscaled real inverse is {@code gain} times
     * {@code (1/n) Σ_k X[k]·e^{+2πi·kn/n}}, and {@code normalized=True} asks for {@code (1/√n) Σ …}.
     */
    private final double[] scaledWindow;
    private final double[] windowSquared;
    /** {@code envelope[r] = Σ_j w²[r + j·hop]}: the envelope wherever every overlapping frame exists. */
    private final double[] periodicEnvelope;
    private final double minPeriodicEnvelope;
    private final ThreadLocal<FrameScratch> scratch;

    public Istft(int nFft, int hop) {
        Stft.checkSizes(nFft, hop);
        this.nFft = nFft;
        this.hop = hop;
        double[] window = Stft.hannWindow(nFft);
        double scale = Math.sqrt(nFft) / unscaledInverseGain(nFft);
        scaledWindow = new double[nFft];
        windowSquared = new double[nFft];
        for (int n = 0; n < nFft; n++) {
            scaledWindow[n] = window[n] * scale;
            windowSquared[n] = window[n] * window[n];
        }
        periodicEnvelope = new double[hop];
        double min = Double.POSITIVE_INFINITY;
        for (int r = 0; r < hop; r++) {
            double sum = 0;
            for (int n = r; n < nFft; n += hop) sum += windowSquared[n];
            periodicEnvelope[r] = sum;
            min = Math.min(min, sum);
        }
        minPeriodicEnvelope = min;
        scratch = ThreadLocal.withInitial(() -> new FrameScratch(nFft));
    }

    /**
     * The factor by which {@code DoubleFFT_1D.realInverse(a, false)} exceeds the true inverse DFT. It
     * depends on JTransforms' plan: {@code n/2} for powers of two (Ooura's split-radix convention),
     * {@code n} for mixed-radix and Bluestein sizes; measured here rather than assumed.
     */
    static double unscaledInverseGain(int nFft) {
        double[] dc = new double[nFft];
        dc[0] = nFft; // X[0] = n: the true inverse is 1 everywhere
        new org.jtransforms.fft.DoubleFFT_1D(nFft).realInverse(dc, false);
        return dc[0];
    }

    public int nFft() { return nFft; }

    public int hop() { return hop; }

    /** One-sided bins the full inverse expects: {@code n_fft/2 + 1}. */
    public int bins() { return nFft / 2 + 1; }

    /** {@code torch.istft(spec, ..., length=length)} of a full one-sided spectrogram {@code [n_fft/2 + 1, T]}. */
    public float[] inverse(ComplexPlanes spec, int length) {
        if (spec.bins() != bins()) {
            throw new IllegalArgumentException("expected " + bins() + " one-sided bins for n_fft=" + nFft
                    + ", got " + spec.bins());
        }
        float[] out = new float[length];
        inverse(spec, 0, spec.frames(), length, 0, out, 0, length);
        return out;
    }

    /**
     * {@code torch.istft(X, length=length)[cropStart : cropStart + outLength]} written to
     * {@code out[outOffset …]}, where {@code X} has {@code totalFrames} frames of which frames
     * {@code firstFrame … firstFrame + spec.frames() − 1} are {@code spec} and all others are zero, and
     * whose bins from {@code spec.bins()} up to {@code n_fft/2} are zero. Zero frames still count in the
     * window envelope, as they do in torch. demucs' {@code _ispec} is this with two zero frames on
     * each side and a zero Nyquist bin, without building the padded spectrogram.
     */
    public void inverse(ComplexPlanes spec, int firstFrame, int totalFrames, int length, int cropStart,
                        float[] out, int outOffset, int outLength) {
        checkInverseArguments(spec, firstFrame, totalFrames, length, cropStart, out, outOffset, outLength);
        int half = nFft / 2;
        int covered = nFft + hop * (totalFrames - 1);
        // torch checks the envelope over its whole sliced output, not just the part we keep.
        int checkEnd = (int) Math.min((long) half + length, covered);
        if (half < checkEnd) {
            double min = minEnvelope(half, checkEnd, totalFrames);
            if (min < MIN_ENVELOPE) {
                throw new IllegalArgumentException("window overlap-add minimum " + min + " < " + MIN_ENVELOPE
                        + " for n_fft=" + nFft + ", hop=" + hop + ", " + totalFrames
                        + " frames: the Hann window and hop violate the NOLA condition");
            }
        }
        if (outLength == 0) return;

        // Overlap-add positions p (in the centre-padded signal) that land in the requested output.
        int from = half + cropStart;
        int to = (int) Math.min((long) from + outLength, covered);
        FrameScratch s = scratch.get();
        double[] sum = s.zeroedAccumulator(Math.max(0, to - from));
        if (from < to) {
            overlapAdd(spec, firstFrame, from, to, s, sum);
        }
        divideByEnvelope(sum, from, to, totalFrames, out, outOffset);
        int written = Math.max(0, to - from);
        java.util.Arrays.fill(out, outOffset + written, outOffset + outLength, 0f);
    }

    private void checkInverseArguments(ComplexPlanes spec, int firstFrame, int totalFrames, int length,
                                       int cropStart, float[] out, int outOffset, int outLength) {
        if (spec.bins() > bins()) {
            throw new IllegalArgumentException("spectrogram has " + spec.bins() + " bins, n_fft=" + nFft
                    + " has only " + bins());
        }
        if (firstFrame < 0 || (long) firstFrame + spec.frames() > totalFrames) {
            throw new IllegalArgumentException("stored frames [" + firstFrame + ", "
                    + ((long) firstFrame + spec.frames()) + ") lie outside the " + totalFrames + " frames");
        }
        if (length < 0 || cropStart < 0 || outLength < 0 || (long) cropStart + outLength > length) {
            throw new IllegalArgumentException("output crop [" + cropStart + ", " + ((long) cropStart + outLength)
                    + ") lies outside the inverse of length " + length);
        }
        if (outOffset < 0 || (long) outOffset + outLength > out.length) {
            throw new IllegalArgumentException("output range [" + outOffset + ", " + ((long) outOffset + outLength)
                    + ") lies outside the array of length " + out.length);
        }
    }

    /** Adds every stored frame's windowed inverse FFT into {@code sum[p − from]} for {@code p} in {@code [from, to)}. */
    private void overlapAdd(ComplexPlanes spec, int firstFrame, int from, int to, FrameScratch s, double[] sum) {
        // Only frames overlapping [from, to) matter: frame t covers [t·hop, t·hop + n_fft).
        int first = Math.max(0, Math.floorDiv(from - nFft, hop) + 1 - firstFrame);
        int last = Math.min(spec.frames(), Math.floorDiv(to - 1, hop) + 1 - firstFrame);
        double[][] block = s.frames;
        for (int t0 = first; t0 < last; t0 += FrameScratch.BLOCK) {
            int count = Math.min(FrameScratch.BLOCK, last - t0);
            loadBins(spec, t0, count, block);
            for (int b = 0; b < count; b++) {
                double[] frame = block[b];
                s.fft.realInverse(frame, false);
                int start = (firstFrame + t0 + b) * hop;
                int n0 = Math.max(0, from - start);
                int n1 = Math.min(nFft, to - start);
                int base = start - from;
                double[] w = scaledWindow;
                for (int n = n0; n < n1; n++) sum[base + n] += frame[n] * w[n];
            }
        }
    }

    /** Packs columns {@code t0 … t0 + count − 1} of the planes into JTransforms' real-FFT layout, zero above the stored bins. */
    private void loadBins(ComplexPlanes spec, int t0, int count, double[][] block) {
        float[] data = spec.data();
        int frames = spec.frames();
        int bins = spec.bins();
        int half = nFft / 2;
        int re = spec.realOffset() + t0;
        int im = spec.imagOffset() + t0;
        for (int b = 0; b < count; b++) {
            double[] frame = block[b];
            frame[0] = data[re + b];
            frame[1] = bins > half ? data[re + half * frames + b] : 0.0;
        }
        int lastFull = Math.min(bins, half);
        for (int k = 1; k < lastFull; k++) {
            int reRow = re + k * frames;
            int imRow = im + k * frames;
            for (int b = 0; b < count; b++) {
                double[] frame = block[b];
                frame[2 * k] = data[reRow + b];
                frame[2 * k + 1] = data[imRow + b];
            }
        }
        for (int b = 0; b < count; b++) {
            java.util.Arrays.fill(block[b], 2 * lastFull, nFft, 0.0);
        }
    }

    private void divideByEnvelope(double[] sum, int from, int to, int totalFrames, float[] out, int outOffset) {
        // Where every frame overlapping p exists, the envelope is periodic in p with period hop.
        int interiorFrom = Math.max(from, nFft);
        int interiorTo = Math.min(to, totalFrames * hop);
        int p = from;
        for (; p < Math.min(to, interiorFrom); p++) {
            out[outOffset + p - from] = (float) (sum[p - from] / envelope(p, totalFrames));
        }
        if (interiorFrom < interiorTo) {
            int r = interiorFrom % hop;
            for (; p < interiorTo; p++) {
                out[outOffset + p - from] = (float) (sum[p - from] / periodicEnvelope[r]);
                if (++r == hop) r = 0;
            }
        }
        for (; p < to; p++) {
            out[outOffset + p - from] = (float) (sum[p - from] / envelope(p, totalFrames));
        }
    }

    /** {@code Σ_t w²[p − t·hop]} over the frames {@code 0 … totalFrames − 1} that cover position {@code p}. */
    private double envelope(int p, int totalFrames) {
        int tFirst = Math.max(0, Math.floorDiv(p - nFft, hop) + 1);
        int tLast = Math.min(totalFrames - 1, Math.floorDiv(p, hop));
        double env = 0;
        for (int t = tFirst; t <= tLast; t++) env += windowSquared[p - t * hop];
        return env;
    }

    private double minEnvelope(int from, int to, int totalFrames) {
        int interiorFrom = Math.max(from, nFft);
        int interiorTo = Math.min(to, totalFrames * hop);
        double min = Double.POSITIVE_INFINITY;
        if (interiorFrom < interiorTo) {
            if (interiorTo - interiorFrom >= hop) {
                min = minPeriodicEnvelope;
            } else {
                for (int p = interiorFrom; p < interiorTo; p++) min = Math.min(min, periodicEnvelope[p % hop]);
            }
            for (int p = from; p < interiorFrom; p++) min = Math.min(min, envelope(p, totalFrames));
            for (int p = Math.max(from, interiorTo); p < to; p++) min = Math.min(min, envelope(p, totalFrames));
        } else {
            for (int p = from; p < to; p++) min = Math.min(min, envelope(p, totalFrames));
        }
        return min;
    }
}

package dev.htdemucs.dsp;

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
    /**
     * {@code periodicEnvelope} repeated over the {@code n_fft} overlap-add sums: sum {@code i} holds a position
     * {@code ≡ i (mod hop)}, since the sums always start at a frame's start.
     */
    private final double[] slotEnvelope;
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
        slotEnvelope = new double[nFft];
        for (int i = 0; i < nFft; i++) slotEnvelope[i] = periodicEnvelope[i % hop];
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
        checkEnvelope(totalFrames, length);
        synthesize(spec, firstFrame, totalFrames, cropStart, out, outOffset, outLength);
    }

    /**
     * torch's NOLA check for an inverse of {@code length} samples from {@code totalFrames} frames: the
     * window-square envelope must reach {@link #MIN_ENVELOPE} over the whole sliced output, not just the
     * part a caller keeps.
     */
    void checkEnvelope(int totalFrames, int length) {
        int half = nFft / 2;
        int covered = nFft + hop * (totalFrames - 1);
        int checkEnd = (int) Math.min((long) half + length, covered);
        if (half < checkEnd) {
            double min = minEnvelope(half, checkEnd, totalFrames);
            if (min < MIN_ENVELOPE) {
                throw new IllegalArgumentException("window overlap-add minimum " + min + " < " + MIN_ENVELOPE
                        + " for n_fft=" + nFft + ", hop=" + hop + ", " + totalFrames
                        + " frames: the Hann window and hop violate the NOLA condition");
            }
        }
    }

    /**
     * The output samples of {@link #inverse(ComplexPlanes, int, int, int, int, float[], int, int)}, its
     * arguments and {@link #checkEnvelope envelope} already checked. Every sample is the sum of the frames
     * covering it, added in frame order, whatever the crop: so disjoint crops may be computed on different
     * threads and give the bits of one call (at the cost of transforming the frames that straddle a border
     * once per side).
     */
    void synthesize(ComplexPlanes spec, int firstFrame, int totalFrames, int cropStart, float[] out, int outOffset,
                    int outLength) {
        if (outLength == 0) return;
        // Overlap-add positions p (in the centre-padded signal) that land in the requested output.
        int from = nFft / 2 + cropStart;
        int covered = nFft + hop * (totalFrames - 1);
        int to = (int) Math.min((long) from + outLength, covered);
        if (from < to) {
            overlapAdd(spec, firstFrame, totalFrames, from, to, out, outOffset);
        }
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

    /**
     * Adds every stored frame's windowed inverse FFT at its position and writes {@code sum / envelope} to
     * {@code out[outOffset + p − from]} for {@code p} in {@code [from, to)}. Frames go in order, so once
     * frame {@code t} is added, the {@code hop} positions from its start are complete: they are written
     * out and the running sums shift down by {@code hop}. The sums thus need only the {@code n_fft}
     * positions one frame spans, in a buffer that stays in the L1 cache, and frame sample {@code n} always
     * adds to sum {@code n}, a loop the JIT vectorises (it does not when the two indices differ by an
     * offset it cannot see, as they would in a ring buffer).
     */
    private void overlapAdd(ComplexPlanes spec, int firstFrame, int totalFrames, int from, int to, float[] out,
                            int outOffset) {
        // Only frames overlapping [from, to) matter: frame t covers [t·hop, t·hop + n_fft).
        int first = Math.max(0, Math.floorDiv(from - nFft, hop) + 1 - firstFrame);
        int last = Math.min(spec.frames(), Math.floorDiv(to - 1, hop) + 1 - firstFrame);
        if (first >= last) {
            // No stored frame reaches the range: 0 / envelope everywhere.
            java.util.Arrays.fill(out, outOffset, outOffset + to - from, 0f);
            return;
        }
        FrameScratch s = scratch.get();
        double[] sums = s.zeroedSums();
        double[][] block = s.frames;
        // sums[i] holds position start + i, where start is the next frame's start.
        int start = (firstFrame + first) * hop;
        int done = from;
        if (start > from) {
            // Positions before the first stored frame get no frame: zero, as 0 / envelope is.
            done = Math.min(start, to);
            java.util.Arrays.fill(out, outOffset, outOffset + done - from, 0f);
        }
        for (int t0 = first; t0 < last; t0 += FrameScratch.BLOCK) {
            int count = Math.min(FrameScratch.BLOCK, last - t0);
            loadBins(spec, t0, count, block);
            for (int b = 0; b < count; b++) {
                double[] frame = block[b];
                s.fft.realInverse(frame, false);
                addWindowed(frame, sums);
                // No later frame reaches back before start + hop.
                int complete = Math.min(start + hop, to);
                if (done < complete) {
                    divideByEnvelope(sums, done - start, done, complete, totalFrames, out, outOffset + done - from);
                    done = complete;
                }
                System.arraycopy(sums, hop, sums, 0, nFft - hop);
                java.util.Arrays.fill(sums, nFft - hop, nFft, 0.0);
                start += hop;
            }
        }
        if (done < to) {
            // What the last frames left is complete; beyond it no frame reaches.
            int held = Math.max(done, Math.min(to, start + nFft));
            if (done < held) divideByEnvelope(sums, done - start, done, held, totalFrames, out, outOffset + done - from);
            java.util.Arrays.fill(out, outOffset + held - from, outOffset + to - from, 0f);
        }
    }

    /** {@code sums[n] += frame[n]·window[n]}: the same index on both sides, which the JIT vectorises. */
    private void addWindowed(double[] frame, double[] sums) {
        double[] w = scaledWindow;
        for (int n = 0; n < nFft; n++) sums[n] += frame[n] * w[n];
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
        int done = 0;
        for (; done + 8 <= count; done += 8) loadEight(data, re + done, im + done, frames, lastFull, block, done);
        for (int k = 1; k < lastFull; k++) {
            int reRow = re + k * frames;
            int imRow = im + k * frames;
            for (int b = done; b < count; b++) {
                double[] frame = block[b];
                frame[2 * k] = data[reRow + b];
                frame[2 * k + 1] = data[imRow + b];
            }
        }
        for (int b = 0; b < count; b++) {
            java.util.Arrays.fill(block[b], 2 * lastFull, nFft, 0.0);
        }
    }

    /**
     * {@link #loadBins} for bins {@code 1 … lastFull − 1} of the eight frames {@code block[first …]}, held in
     * locals so that the JIT neither reloads nor bounds-checks a frame array per value.
     */
    private static void loadEight(float[] data, int re, int im, int frames, int lastFull, double[][] block, int first) {
        double[] f0 = block[first], f1 = block[first + 1], f2 = block[first + 2], f3 = block[first + 3];
        double[] f4 = block[first + 4], f5 = block[first + 5], f6 = block[first + 6], f7 = block[first + 7];
        for (int k = 1; k < lastFull; k++) {
            int r = re + k * frames;
            int i = im + k * frames;
            int j = 2 * k;
            f0[j] = data[r];
            f1[j] = data[r + 1];
            f2[j] = data[r + 2];
            f3[j] = data[r + 3];
            f4[j] = data[r + 4];
            f5[j] = data[r + 5];
            f6[j] = data[r + 6];
            f7[j] = data[r + 7];
            f0[j + 1] = data[i];
            f1[j + 1] = data[i + 1];
            f2[j + 1] = data[i + 2];
            f3[j + 1] = data[i + 3];
            f4[j + 1] = data[i + 4];
            f5[j + 1] = data[i + 5];
            f6[j + 1] = data[i + 6];
            f7[j + 1] = data[i + 7];
        }
    }

    /**
     * {@code out[outAt + p − from] = sums[at + p − from] / envelope(p)} for {@code p} in {@code [from, to)},
     * leaving the quotients in {@code sums}, which the caller discards.
     */
    private void divideByEnvelope(double[] sums, int at, int from, int to, int totalFrames, float[] out, int outAt) {
        // Where every frame overlapping p exists, the envelope is periodic in p with period hop.
        int interiorFrom = Math.max(from, nFft);
        int interiorTo = Math.min(to, totalFrames * hop);
        int sumShift = at - from;
        int outShift = outAt - from;
        int p = from;
        for (; p < Math.min(to, interiorFrom); p++) {
            out[outShift + p] = (float) (sums[sumShift + p] / envelope(p, totalFrames));
        }
        if (p < interiorTo) {
            // Divide in place, then round: the JIT vectorises the division (the slow part) only alone, and
            // only with the same index into both arrays.
            int first = sumShift + p;
            int last = sumShift + interiorTo;
            double[] envelope = slotEnvelope;
            for (int i = first; i < last; i++) sums[i] /= envelope[i];
            for (int i = first; i < last; i++) out[outShift - sumShift + i] = (float) sums[i];
            p = interiorTo;
        }
        for (; p < to; p++) {
            out[outShift + p] = (float) (sums[sumShift + p] / envelope(p, totalFrames));
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

package dev.htdemucs.stft;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.IntStream;

/**
 * demucs' spectrogram framing around {@link Stft}/{@link Istft}: {@code HTDemucs._spec} followed by
 * {@code _magnitude} (complex-as-channels), and {@code _mask} (CaC) followed by {@code _ispec}.
 * These are the host-side kernels of the IR ops {@code stft} and {@code istft}.
 *
 * <h2>spec: mix {@code [C, L]} → CaC {@code [2C, F, T]}</h2>
 * With {@code hop = n_fft/4}, {@code T = ⌈L / hop⌉} and {@code pad = (hop/2)·3}: reflect-pad the mix
 * by {@code pad} on the left and {@code pad + T·hop − L} on the right ({@link ReflectPad}, demucs'
 * {@code pad1d}), take the {@link Stft} (which has {@code T + 4} frames), drop the Nyquist bin
 * ({@code F = n_fft/2}) and keep frames {@code [2, 2 + T)}. CaC channel {@code 2c} is the real part
 * and {@code 2c + 1} the imaginary part of audio channel {@code c} (L.re, L.im, R.re, R.im for stereo).
 *
 * <h2>ispec: CaC {@code [S, 2C, F, T]} → audio {@code [S, C, L]}</h2>
 * Reassemble complex channels from the CaC pairs, add a zero Nyquist bin and two zero frames on each
 * side, take the {@link Istft} with {@code length = hop·⌈L/hop⌉ + 2·pad} and keep samples
 * {@code [pad, pad + L)}. {@code L} is an argument (demucs passes the training segment length), not
 * derived from {@code T}.
 *
 * <h2>Layout and batch</h2>
 * All arrays are float32 in C order. There is no batch axis: leading axes fold into the first one,
 * so a batch {@code [B, C, L]} is {@code channels = B·C} (its CaC {@code [B, 2C, F, T]} has the same
 * memory layout as {@code [2BC, F, T]}), and {@code [B, S, 2C, F, T]} is {@code sources = B·S}.
 *
 * <p>Instances are immutable and thread-safe; {@link #of} shares one per {@code (n_fft, hop)}. Long
 * inputs spread their independent channels (and sources) over the common fork-join pool.
 */
public final class DemucsSpectrogram {

    private static final ConcurrentMap<Long, DemucsSpectrogram> SHARED = new ConcurrentHashMap<>();
    /** Below this many frames per signal, forking costs more than the second core saves. */
    private static final int PARALLEL_MIN_FRAMES = 64;

    private final int nFft;
    private final int hop;
    private final Stft stft;
    private final Istft istft;
    private final ThreadLocal<float[][]> paddedScratch = ThreadLocal.withInitial(() -> new float[1][0]);

    public DemucsSpectrogram(int nFft, int hop) {
        Stft.checkSizes(nFft, hop);
        if (hop != nFft / 4 || hop % 2 != 0) {
            // demucs asserts hop_length == nfft // 4 in _spec and that the STFT has T + 4 frames,
            // which holds only when the padding (hop/2)·3 on each side adds up to 3·hop.
            throw new IllegalArgumentException("demucs spectrogram needs an even hop = n_fft/4, got n_fft="
                    + nFft + ", hop=" + hop);
        }
        this.nFft = nFft;
        this.hop = hop;
        this.stft = new Stft(nFft, hop);
        this.istft = new Istft(nFft, hop);
    }

    /** A shared instance for {@code (nFft, hop)}, so that per-call kernels reuse FFT plans and buffers. */
    public static DemucsSpectrogram of(int nFft, int hop) {
        long key = ((long) nFft << 32) | (hop & 0xffffffffL);
        return SHARED.computeIfAbsent(key, k -> new DemucsSpectrogram(nFft, hop));
    }

    public int nFft() { return nFft; }

    public int hop() { return hop; }

    /** Frequency bins kept: {@code n_fft/2} (the Nyquist bin is dropped). */
    public int bins() { return nFft / 2; }

    /** Frames for {@code length} samples: {@code ⌈length / hop⌉}. */
    public int frames(int length) {
        checkLength(length);
        return (int) (((long) length + hop - 1) / hop);
    }

    /** {@code [2·channels, bins(), frames(length)]}. */
    public int[] specShape(int channels, int length) {
        return new int[] {2 * channels, bins(), frames(length)};
    }

    /** demucs' padding of both ends: {@code (hop/2)·3}. */
    private int pad() {
        return hop / 2 * 3;
    }

    /** {@code _magnitude(_spec(mix))} for {@code mix [channels, length]}: a new CaC array {@code [2·channels, F, T]}. */
    public float[] spec(float[] mix, int channels, int length) {
        checkCount("mix", mix.length, (long) channels * length, "[" + channels + ", " + length + "]");
        int[] shape = specShape(channels, length);
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(shape[0], shape[1]), shape[2])];
        spec(mix, 0, channels, length, out, 0);
        return out;
    }

    /** As {@link #spec(float[], int, int)}, reading {@code mix[mixOffset …]} and writing {@code out[outOffset …]}. */
    public void spec(float[] mix, int mixOffset, int channels, int length, float[] out, int outOffset) {
        if (channels <= 0) throw new IllegalArgumentException("mix needs at least one channel, got " + channels);
        int frames = frames(length);
        int pad = pad();
        int rightPad = pad + frames * hop - length;
        int paddedLength = pad + length + rightPad;
        checkRange("mix", mix.length, mixOffset, (long) channels * length);
        checkRange("spectrogram output", out.length, outOffset, 2L * channels * bins() * frames);
        signals(channels, frames).forEach(c -> {
            float[] padded = paddedScratch(paddedLength);
            ReflectPad.pad(mix, mixOffset + c * length, length, pad, rightPad, padded);
            // The STFT of the padded signal has frames + 4 frames; demucs keeps [2, 2 + frames).
            stft.forward(padded, 0, paddedLength, 2, ComplexPlanes.ofCacChannel(out, outOffset, c, bins(), frames));
        });
    }

    /**
     * The independent signals {@code 0 … count − 1} (channels, or source × channel pairs), in parallel on
     * the common fork-join pool when there is enough work to pay for it.
     */
    private static IntStream signals(int count, int frames) {
        IntStream range = IntStream.range(0, count);
        return count > 1 && frames >= PARALLEL_MIN_FRAMES ? range.parallel() : range;
    }

    /**
     * {@code _ispec(_mask(cac), length)} for CaC {@code [sources, 2·channels, F, frames]} with
     * {@code F = bins()}: a new array {@code [sources, channels, length]}.
     */
    public float[] ispec(float[] cac, int sources, int channels, int frames, int length) {
        checkCount("CaC spectrogram", cac.length, (long) sources * 2 * channels * bins() * frames,
                "[" + sources + ", " + 2 * channels + ", " + bins() + ", " + frames + "]");
        float[] out = new float[Math.multiplyExact(Math.multiplyExact(sources, channels), length)];
        ispec(cac, 0, sources, channels, frames, length, out, 0);
        return out;
    }

    /** As {@link #ispec(float[], int, int, int, int)}, reading {@code cac[cacOffset …]} and writing {@code out[outOffset …]}. */
    public void ispec(float[] cac, int cacOffset, int sources, int channels, int frames, int length,
                      float[] out, int outOffset) {
        if (sources <= 0 || channels <= 0 || frames <= 0) {
            throw new IllegalArgumentException("need sources, channels and frames > 0, got " + sources + ", "
                    + channels + ", " + frames);
        }
        checkLength(length);
        checkRange("CaC spectrogram", cac.length, cacOffset, (long) sources * 2 * channels * bins() * frames);
        checkRange("audio output", out.length, outOffset, (long) sources * channels * length);
        int pad = pad();
        int istftLength = Math.addExact(Math.multiplyExact(hop, frames(length)), 2 * pad);
        // CaC [S, 2C, F, T] is audio channel sc = s·C + c at CaC channel pair 2·sc: one flat index serves both.
        signals(sources * channels, frames).forEach(sc -> {
            ComplexPlanes planes = ComplexPlanes.ofCacChannel(cac, cacOffset, sc, bins(), frames);
            // Two zero frames on each side (frames + 4 in all); the zero Nyquist bin is implied by bins().
            istft.inverse(planes, 2, frames + 4, istftLength, pad, out, outOffset + sc * length, length);
        });
    }

    private float[] paddedScratch(int length) {
        float[][] holder = paddedScratch.get();
        if (holder[0].length < length) holder[0] = new float[length];
        return holder[0];
    }

    private static void checkLength(int length) {
        if (length <= 0) throw new IllegalArgumentException("audio length must be > 0, got " + length);
    }

    private static void checkCount(String what, int actual, long expected, String shape) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + " " + shape + " needs " + expected + " floats, got " + actual);
        }
    }

    private static void checkRange(String what, int arrayLength, int offset, long count) {
        if (offset < 0 || offset + count > arrayLength) {
            throw new IllegalArgumentException(what + " range [" + offset + ", " + (offset + count)
                    + ") lies outside the array of length " + arrayLength);
        }
    }
}

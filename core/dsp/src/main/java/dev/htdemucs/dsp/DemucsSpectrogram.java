package dev.htdemucs.dsp;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ForkJoinPool;
import java.util.function.IntConsumer;
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
 * <h2>Threads</h2>
 * Instances are immutable and thread-safe; {@link #of} shares one per {@code (n_fft, hop)}. Long inputs
 * are cut into tasks — each signal (channel, or source × channel) into a few frame ranges, enough for
 * every thread of the common fork-join pool to have some to steal when another process holds a core —
 * and the tasks run on that pool. Every output value is computed by exactly one task from the same
 * frames in the same order as a single-threaded call, so results are bit-identical whatever the number
 * of threads or tasks. JTransforms' own threads stay out of it: it splits one power-of-two FFT over its
 * pool only from {@code CommonUtils.getThreadsBeginN_1D_FFT_2Threads()} = 8192 samples on, and demucs'
 * n_fft is 4096. (A model with n_fft ≥ 8192 would still compute the same bits, with JTransforms' threads
 * nested inside ours.)
 */
public final class DemucsSpectrogram {

    private static final ConcurrentMap<Long, DemucsSpectrogram> SHARED = new ConcurrentHashMap<>();
    /** Below this many frames per signal, forking costs more than the second core saves. */
    private static final int PARALLEL_MIN_FRAMES = 64;
    /** Tasks per thread to aim for: with one task per thread, a core lost to another process halves the speed. */
    private static final int TASKS_PER_THREAD = 2;
    /**
     * Fewest frames per task. An inverse task also transforms the {@code n_fft/hop − 1 = 3} frames that
     * straddle its border with the next, so a cut costs at most 3/64 ≈ 5 % more FFTs of that piece.
     */
    private static final int MIN_TASK_FRAMES = 64;

    private final int nFft;
    private final int hop;
    private final Stft stft;
    private final Istft istft;
    /** Per thread: the slice of a reflect-padded channel one STFT task reads. */
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
        int pieces = piecesPerSignal(channels, frames);
        forEachTask(channels, frames, pieces, task -> {
            int c = task / pieces;
            int piece = task % pieces;
            int fromColumn = pieceStart(piece, pieces, frames);
            int toColumn = pieceStart(piece + 1, pieces, frames);
            // The STFT of the padded signal has frames + 4 frames; demucs keeps [2, 2 + frames). Kept frame t
            // starts at t·hop − n_fft/2 + 2·hop = t·hop of the padded signal (hop = n_fft/4), so a task needs
            // only the slice [fromColumn·hop, (toColumn − 1)·hop + n_fft), which never reaches past its ends.
            int sliceStart = fromColumn * hop;
            int sliceLength = (toColumn - fromColumn - 1) * hop + nFft;
            float[] padded = paddedScratch(sliceLength);
            ReflectPad.pad(mix, mixOffset + c * length, length, pad, rightPad, sliceStart, sliceStart + sliceLength,
                    padded, 0);
            stft.analyze(padded, 0, sliceLength, -sliceStart, ComplexPlanes.ofCacChannel(out, outOffset, c, bins(), frames),
                    fromColumn, toColumn);
        });
    }

    /**
     * Into how many frame ranges each of {@code signals} signals of {@code frames} frames is cut: enough for
     * {@link #TASKS_PER_THREAD} tasks per thread of the common pool (caller included), none shorter than
     * {@link #MIN_TASK_FRAMES}; one (and no forking at all) for short signals.
     */
    static int piecesPerSignal(int signals, int frames) {
        if (frames < PARALLEL_MIN_FRAMES) return 1;
        int threads = ForkJoinPool.getCommonPoolParallelism() + 1;
        int wanted = (TASKS_PER_THREAD * threads + signals - 1) / signals;
        return Math.max(1, Math.min(wanted, frames / MIN_TASK_FRAMES));
    }

    /** First frame of piece {@code piece} of {@code pieces} near-equal ranges of {@code frames} frames. */
    private static int pieceStart(int piece, int pieces, int frames) {
        return (int) ((long) piece * frames / pieces);
    }

    /**
     * Runs {@code task} for {@code 0 … signals·pieces − 1}: on the common fork-join pool when there is more
     * than one task and the signals are long enough to pay for forking, else on the calling thread.
     */
    private static void forEachTask(int signals, int frames, int pieces, IntConsumer task) {
        int tasks = signals * pieces;
        IntStream range = IntStream.range(0, tasks);
        (tasks > 1 && frames >= PARALLEL_MIN_FRAMES ? range.parallel() : range).forEach(task);
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
        int totalFrames = frames + 4; // two zero frames on each side; the zero Nyquist bin is implied by bins()
        istft.checkEnvelope(totalFrames, istftLength);
        int signals = sources * channels;
        int pieces = piecesPerSignal(signals, frames);
        // CaC [S, 2C, F, T] is audio channel sc = s·C + c at CaC channel pair 2·sc: one flat index serves both.
        forEachTask(signals, frames, pieces, task -> {
            int sc = task / pieces;
            int piece = task % pieces;
            // Pieces of the output cut at multiples of hop, like the frames.
            int from = pieceStart(piece, pieces, frames) * hop;
            int to = piece == pieces - 1 ? length : pieceStart(piece + 1, pieces, frames) * hop;
            ComplexPlanes planes = ComplexPlanes.ofCacChannel(cac, cacOffset, sc, bins(), frames);
            istft.synthesize(planes, 2, totalFrames, pad + from, out, outOffset + sc * length + from, to - from);
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

package dev.htdemucs.dsp;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.Npy;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.numerics.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * demucs' framing: against PyTorch on signals shorter than the padding, against a literal transcription
 * of {@code _spec}/{@code _ispec} built from the plain torch-equivalent transforms, and its layout.
 */
class DemucsSpectrogramTest {

    /** Ours vs the PyTorch tensors in {@code torch_short/}, relative to their peak (float32 FFT rounding is ~1e-7). */
    static final double TORCH_TOLERANCE_OF_PEAK = 1e-5;
    /**
     * spec→ispec of a band-limited signal, away from the first and last 1.5 hops (where demucs drops
     * frames): exact but for the dropped Nyquist bin, which a low sine's Hann-windowed frames leave ~1e-10.
     */
    static final double BAND_LIMITED_ROUND_TRIP_TOLERANCE = 1e-5;

    private static NpyArray resource(String name) throws IOException {
        try (InputStream in = DemucsSpectrogramTest.class.getResourceAsStream("torch_short/" + name)) {
            if (in == null) throw new IllegalStateException("missing test resource torch_short/" + name);
            return Npy.read(in);
        }
    }

    @ParameterizedTest(name = "L={0}")
    @ValueSource(ints = {700, 1537})
    void shortSignalsMatchTorch(int length) throws IOException {
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(4096, 1024);
        NpyArray mix = resource("L" + length + "_mix.npy");
        NpyArray spec = resource("L" + length + "_spec.npy");
        NpyArray specOut = resource("L" + length + "_spec_out.npy");
        NpyArray audio = resource("L" + length + "_audio.npy");

        Comparison forward = Comparison.of(spec.data(), spectrogram.spec(mix.data(), 2, length));
        Comparison inverse = Comparison.of(audio.data(),
                spectrogram.ispec(specOut.data(), 1, 2, specOut.dim(4), length));

        assertTrue(forward.maxAbsRelativeToPeak() <= TORCH_TOLERANCE_OF_PEAK, "spec L=" + length + ": " + forward);
        assertTrue(inverse.maxAbsRelativeToPeak() <= TORCH_TOLERANCE_OF_PEAK, "ispec L=" + length + ": " + inverse);
    }

    @ParameterizedTest(name = "n_fft={0} L={1}")
    @CsvSource({
        "64, 1", "64, 2", "64, 23", "64, 24", "64, 25", "64, 47", "64, 48", "64, 100", "64, 161",
        "4096, 1", "4096, 1535", "4096, 1536", "4096, 3000", "4096, 22050",
    })
    void framingEqualsLiteralTranscriptionOfDemucs(int nFft, int length) {
        int hop = nFft / 4;
        DemucsSpectrogram spectrogram = new DemucsSpectrogram(nFft, hop);
        float[] mix = Signals.noise(1, length, 1.0, length);

        float[] spec = spectrogram.spec(mix, 1, length);
        // Same frames through the same transform, so the bookkeeping must agree bit for bit.
        assertArrayEquals(literalSpec(mix, nFft, hop), spec, "spec");

        int frames = spectrogram.frames(length);
        float[] cac = Signals.noise(1, 2 * (nFft / 2) * frames, 1.0, 99);
        assertArrayEquals(literalIspec(cac, nFft, hop, frames, length),
                spectrogram.ispec(cac, 1, 1, frames, length), "ispec");
    }

    /**
     * {@code _magnitude(_spec(x))} for one channel, step by step as demucs writes it: materialise
     * {@code pad1d}, take the whole torch-equivalent STFT, drop the Nyquist row and keep frames [2, 2 + le).
     */
    private static float[] literalSpec(float[] x, int nFft, int hl) {
        int le = (int) Math.ceil(x.length / (double) hl);
        int pad = hl / 2 * 3;
        float[] padded = pad1dReflect(x, pad, pad + le * hl - x.length);
        ComplexPlanes z = new Stft(nFft, hl).forward(padded);
        assertEquals(le + 4, z.frames(), "demucs asserts z.shape[-1] == le + 4");
        int bins = nFft / 2;
        float[] cac = new float[2 * bins * le];
        for (int f = 0; f < bins; f++) {
            for (int t = 0; t < le; t++) {
                cac[f * le + t] = z.real(f, 2 + t);
                cac[bins * le + f * le + t] = z.imag(f, 2 + t);
            }
        }
        return cac;
    }

    /** demucs' {@code pad1d(x, (left, right), mode='reflect')}, transcribed line by line. */
    private static float[] pad1dReflect(float[] x, int paddingLeft, int paddingRight) {
        int length = x.length;
        int maxPad = Math.max(paddingLeft, paddingRight);
        if (length <= maxPad) {
            int extraPad = maxPad - length + 1;
            int extraPadRight = Math.min(paddingRight, extraPad);
            int extraPadLeft = extraPad - extraPadRight;
            paddingLeft -= extraPadLeft;
            paddingRight -= extraPadRight;
            float[] zeroPadded = new float[length + extraPad];
            System.arraycopy(x, 0, zeroPadded, extraPadLeft, length);
            x = zeroPadded;
        }
        // F.pad(x, (left, right), 'reflect')
        float[] out = new float[paddingLeft + x.length + paddingRight];
        for (int i = 0; i < out.length; i++) {
            int j = i - paddingLeft;
            if (j < 0) j = -j;
            if (j >= x.length) j = 2 * (x.length - 1) - j;
            out[i] = x[j];
        }
        return out;
    }

    /** {@code _ispec(_mask(cac), length)} for one channel: build the padded spectrogram, full iSTFT, crop. */
    private static float[] literalIspec(float[] cac, int nFft, int hl, int frames, int length) {
        int bins = nFft / 2;
        ComplexPlanes z = ComplexPlanes.allocate(bins + 1, frames + 4); // F.pad(z, (0,0,0,1)) then F.pad(z, (2,2))
        for (int f = 0; f < bins; f++) {
            for (int t = 0; t < frames; t++) {
                z.data()[z.realOffset() + f * z.frames() + 2 + t] = cac[f * frames + t];
                z.data()[z.imagOffset() + f * z.frames() + 2 + t] = cac[bins * frames + f * frames + t];
            }
        }
        int pad = hl / 2 * 3;
        int le = hl * (int) Math.ceil(length / (double) hl) + 2 * pad;
        float[] x = new Istft(nFft, hl).inverse(z, le);
        return Arrays.copyOfRange(x, pad, pad + length);
    }

    @Test
    void bandLimitedSignalSurvivesSpecThenIspecAwayFromTheEdges() {
        int nFft = 4096;
        int hop = 1024;
        int length = 20000;
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(nFft, hop);
        float[] sine = Signals.sine(2, length, 44100, 440, 0.5, 0.1);

        float[] back = spectrogram.ispec(spectrogram.spec(sine, 2, length), 1, 2, spectrogram.frames(length), length);

        // Output sample i needs the frames covering it, which are all kept for i in [1.5·hop, (T − 1.5)·hop).
        int from = hop * 3 / 2;
        int to = (spectrogram.frames(length) * 2 - 3) * hop / 2;
        double error = 0;
        for (int c = 0; c < 2; c++) {
            for (int i = from; i < to; i++) error = Math.max(error, Math.abs(sine[c * length + i] - back[c * length + i]));
        }
        assertTrue(error <= BAND_LIMITED_ROUND_TRIP_TOLERANCE, "max error " + error + " in [" + from + ", " + to + ")");
        // ...and the edges really differ: demucs' framing is not an identity there.
        assertTrue(Math.abs(sine[length - 1] - back[length - 1]) > 1e-3, "last sample should be attenuated");
    }

    @Test
    void channelsAndSourcesAreIndependentBlocksInCOrder() {
        DemucsSpectrogram spectrogram = new DemucsSpectrogram(64, 16);
        int length = 75;
        float[] stereo = Signals.noise(2, length, 1.0, 5);
        float[] both = spectrogram.spec(stereo, 2, length);
        float[] left = spectrogram.spec(Arrays.copyOfRange(stereo, 0, length), 1, length);
        float[] right = spectrogram.spec(Arrays.copyOfRange(stereo, length, 2 * length), 1, length);
        int cacChannel = 2 * spectrogram.bins() * spectrogram.frames(length); // re and im planes of one audio channel
        assertArrayEquals(left, Arrays.copyOfRange(both, 0, cacChannel), "L.re, L.im first");
        assertArrayEquals(right, Arrays.copyOfRange(both, cacChannel, 2 * cacChannel), "then R.re, R.im");
        assertArrayEquals(new int[] {4, 32, 5}, spectrogram.specShape(2, length));

        int frames = spectrogram.frames(length);
        float[] cac = Signals.noise(3 * 2, 2 * 32 * frames, 1.0, 6); // [S=3, 2C=4, F, T]
        float[] audio = spectrogram.ispec(cac, 3, 2, frames, length);
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < 2; c++) {
                int block = (s * 2 + c) * cacChannel;
                float[] one = spectrogram.ispec(Arrays.copyOfRange(cac, block, block + cacChannel), 1, 1, frames, length);
                int at = (s * 2 + c) * length;
                assertArrayEquals(one, Arrays.copyOfRange(audio, at, at + length), "source " + s + " channel " + c);
            }
        }

        float[] withOffsets = new float[10 + audio.length];
        float[] cacWithOffset = new float[7 + cac.length];
        System.arraycopy(cac, 0, cacWithOffset, 7, cac.length);
        spectrogram.ispec(cacWithOffset, 7, 3, 2, frames, length, withOffsets, 10);
        assertArrayEquals(audio, Arrays.copyOfRange(withOffsets, 10, withOffsets.length), "offsets");
    }

    /**
     * Long inputs are cut into tasks on the fork-join pool. Whatever the threads (one, the common pool,
     * more than there are cores) and however the work is cut (two signals vs each alone), the bits are
     * those of the literal single-call transcription.
     */
    @Test
    void threadsAndTaskSplitsDoNotChangeABit() throws Exception {
        int nFft = 256;
        int hop = 64;
        int length = 20_000; // 313 frames per signal: forked and cut into pieces
        DemucsSpectrogram spectrogram = new DemucsSpectrogram(nFft, hop);
        int frames = spectrogram.frames(length);
        assertTrue(DemucsSpectrogram.piecesPerSignal(2, frames) > 1, "the test must exercise split signals");
        float[] stereo = Signals.noise(2, length, 1.0, 21);
        float[] cac = Signals.noise(2, 2 * (nFft / 2) * frames, 1.0, 22); // [S=1, 2C=4, F, T]

        float[] expectedSpec = new float[2 * 2 * (nFft / 2) * frames];
        float[] expectedAudio = new float[2 * length];
        int cacChannel = 2 * (nFft / 2) * frames;
        for (int c = 0; c < 2; c++) {
            System.arraycopy(literalSpec(Arrays.copyOfRange(stereo, c * length, (c + 1) * length), nFft, hop), 0,
                    expectedSpec, c * cacChannel, cacChannel);
            System.arraycopy(literalIspec(Arrays.copyOfRange(cac, c * cacChannel, (c + 1) * cacChannel), nFft, hop,
                    frames, length), 0, expectedAudio, c * length, length);
        }

        assertArrayEquals(expectedSpec, spectrogram.spec(stereo, 2, length), "spec on the common pool");
        assertArrayEquals(expectedAudio, spectrogram.ispec(cac, 1, 2, frames, length), "ispec on the common pool");
        for (int threads : new int[] {1, 3}) {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try {
                for (int repeat = 0; repeat < 3; repeat++) {
                    // Parallel streams started inside a pool's task run on that pool.
                    float[] spec = pool.submit(() -> spectrogram.spec(stereo, 2, length)).get();
                    float[] audio = pool.submit(() -> spectrogram.ispec(cac, 1, 2, frames, length)).get();
                    assertArrayEquals(expectedSpec, spec, "spec on " + threads + " threads");
                    assertArrayEquals(expectedAudio, audio, "ispec on " + threads + " threads");
                }
            } finally {
                pool.shutdownNow();
            }
        }
        float[] left = spectrogram.spec(Arrays.copyOf(stereo, length), 1, length);
        assertArrayEquals(Arrays.copyOf(expectedSpec, cacChannel), left, "one channel alone, cut differently");
    }

    /** The class comment's promise: our tasks are the only parallelism; JTransforms runs each FFT on the calling thread. */
    @Test
    void jtransformsDoesNotThreadDemucsFfts() {
        assertTrue(4096 < org.jtransforms.utils.CommonUtils.getThreadsBeginN_1D_FFT_2Threads(),
                "JTransforms would split a 4096-point FFT over its own threads, nested inside our tasks");
    }

    @Test
    void anySliceOfThePaddingIsThatRangeOfTheWhole() {
        float[] x = Signals.noise(1, 9, 1.0, 3);
        for (int length : new int[] {1, 2, 5, 9}) {
            for (int[] padding : new int[][] {{3, 3}, {4, 1}, {0, 6}, {7, 0}, {2, 10}}) {
                int total = padding[0] + length + padding[1];
                float[] whole = new float[total];
                ReflectPad.pad(x, 0, length, padding[0], padding[1], whole);
                for (int from = 0; from <= total; from++) {
                    for (int to = from; to <= total; to++) {
                        float[] slice = new float[to - from + 1];
                        ReflectPad.pad(x, 0, length, padding[0], padding[1], from, to, slice, 1);
                        assertArrayEquals(Arrays.copyOfRange(whole, from, to), Arrays.copyOfRange(slice, 1, slice.length),
                                "length " + length + ", padding " + Arrays.toString(padding) + ", slice [" + from + ", " + to + ")");
                    }
                }
            }
        }
    }

    @Test
    void pad1dMatchesHandWorkedExamples() {
        float[] out = new float[7];
        ReflectPad.pad(new float[] {1, 2, 3}, 0, 3, 2, 2, out);
        assertArrayEquals(new float[] {3, 2, 1, 2, 3, 2, 1}, out, "plain reflect");

        // length 2 <= max pad 4: extra 3 zeros, all on the right → [1,2,0,0,0], reflected by (3, 1)
        out = new float[9];
        ReflectPad.pad(new float[] {1, 2}, 0, 2, 3, 4, out);
        assertArrayEquals(new float[] {0, 0, 2, 1, 2, 0, 0, 0, 0}, out, "short, zeros on the right");

        // length 2 <= max pad 4, right pad 1: one zero right, two left → [0,0,1,2,0], reflected by (2, 0)
        out = new float[7];
        ReflectPad.pad(new float[] {1, 2}, 0, 2, 4, 1, out);
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 2, 0}, out, "short, zeros on both sides");
    }

    @Test
    void rejectsInconsistentArguments() {
        IllegalArgumentException hop = assertThrows(IllegalArgumentException.class, () -> new DemucsSpectrogram(4096, 512));
        assertTrue(hop.getMessage().contains("hop = n_fft/4"), hop.getMessage());

        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(64, 16);
        IllegalArgumentException mix = assertThrows(IllegalArgumentException.class,
                () -> spectrogram.spec(new float[99], 2, 50));
        assertTrue(mix.getMessage().contains("needs 100 floats, got 99"), mix.getMessage());
        IllegalArgumentException cac = assertThrows(IllegalArgumentException.class,
                () -> spectrogram.ispec(new float[10], 1, 2, 4, 50));
        assertTrue(cac.getMessage().contains("[1, 4, 32, 4]"), cac.getMessage());
        assertThrows(IllegalArgumentException.class, () -> spectrogram.spec(new float[0], 1, 0));
    }
}

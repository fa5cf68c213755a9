package dev.htdemucs.dsp;

import dev.htdemucs.numerics.Metrics;
import dev.htdemucs.numerics.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Stft} and {@link Istft} against the convention's definition and each other. */
class StftTest {

    /** Ours vs a direct double-precision DFT of the definition, relative to the spectrum's peak: float storage rounding only. */
    static final double DFT_TOLERANCE_OF_PEAK = 1e-6;
    /** istft(stft(x), length = L) vs x for x of unit variance: float32 storage of the spectrogram only. */
    static final double ROUND_TRIP_TOLERANCE = 1e-5;

    @ParameterizedTest(name = "n_fft={0} hop={1} L={2}")
    @CsvSource({
        "16, 4, 9",      // shortest signal centre reflect padding allows (L > n_fft/2)
        "16, 4, 37",
        "24, 6, 50",     // not a power of two: JTransforms' mixed-radix plan
        "30, 10, 41",    // n_fft/hop not an integer
        "4096, 1024, 5000",
    })
    void forwardMatchesTheDefinition(int nFft, int hop, int length) {
        float[] x = Signals.noise(1, length, 1.0, 7 + length);
        Stft stft = new Stft(nFft, hop);

        ComplexPlanes ours = stft.forward(x);
        float[] expected = directStft(x, nFft, hop);

        assertEquals(nFft / 2 + 1, ours.bins());
        assertEquals(1 + length / hop, ours.frames());
        double error = Metrics.maxAbs(expected, ours.data());
        double peak = Metrics.peak(expected);
        assertTrue(error <= DFT_TOLERANCE_OF_PEAK * peak,
                "max error " + error + " vs definition exceeds " + DFT_TOLERANCE_OF_PEAK + " of peak " + peak);
    }

    /** Re planes then Im planes [bins][frames], straight from the formula in {@link Stft}'s documentation. */
    private static float[] directStft(float[] x, int nFft, int hop) {
        int bins = nFft / 2 + 1;
        int frames = 1 + x.length / hop;
        float[] out = new float[2 * bins * frames];
        double[] cos = new double[nFft];
        double[] sin = new double[nFft];
        for (int m = 0; m < nFft; m++) {
            cos[m] = Math.cos(2 * Math.PI * m / nFft);
            sin[m] = Math.sin(2 * Math.PI * m / nFft);
        }
        for (int t = 0; t < frames; t++) {
            for (int k = 0; k < bins; k++) {
                double re = 0;
                double im = 0;
                for (int n = 0; n < nFft; n++) {
                    int i = t * hop - nFft / 2 + n;
                    if (i < 0) i = -i;
                    if (i >= x.length) i = 2 * (x.length - 1) - i;
                    double w = 0.5 - 0.5 * cos[n];
                    int m = (int) ((long) k * n % nFft); // e^{−2πi·kn/N}
                    re += w * x[i] * cos[m];
                    im -= w * x[i] * sin[m];
                }
                out[k * frames + t] = (float) (re / Math.sqrt(nFft));
                out[bins * frames + k * frames + t] = (float) (im / Math.sqrt(nFft));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "n_fft={0} hop={1} L={2}")
    @CsvSource({
        "4096, 1024, 2049",   // shortest valid signal
        "4096, 1024, 3000",
        "4096, 1024, 10240",  // multiple of hop
        "4096, 1024, 22050",  // not a multiple of hop
        "64, 16, 33",
        "64, 16, 1000",
        "48, 12, 517",        // mixed-radix FFT
    })
    void inverseOfForwardIsIdentity(int nFft, int hop, int length) {
        float[] x = Signals.noise(1, length, 1.0, length);
        float[] y = new Istft(nFft, hop).inverse(new Stft(nFft, hop).forward(x), length);
        double error = Metrics.maxAbs(x, y);
        assertTrue(error <= ROUND_TRIP_TOLERANCE, "round trip max error " + error);
    }

    /**
     * Cropping is what lets {@link DemucsSpectrogram} cut one inverse into tasks: any crop, with stored
     * frames in the middle of zero ones, before, after or away from the crop, is bit for bit the same
     * slice of the uncropped inverse.
     */
    @ParameterizedTest(name = "n_fft={0} hop={1} first frame {2} of {3}")
    @CsvSource({
        "64, 16, 0, 12",     // stored frames only
        "64, 16, 2, 16",     // demucs' layout: two zero frames each side
        "64, 16, 5, 20",     // zero frames reach past the crops' edges
        "30, 10, 3, 17",     // mixed-radix FFT
        "32, 12, 3, 15",     // hop does not divide n_fft
    })
    void anyCropIsTheSameSliceOfTheWholeInverse(int nFft, int hop, int firstFrame, int totalFrames) {
        Istft istft = new Istft(nFft, hop);
        int stored = 12;
        ComplexPlanes spec = ComplexPlanes.allocate(nFft / 2, stored);
        float[] values = Signals.noise(1, spec.data().length, 1.0, nFft + firstFrame);
        System.arraycopy(values, 0, spec.data(), 0, values.length);
        int length = nFft + hop * (totalFrames - 1) + 7; // 7 samples beyond the frames: zero
        float[] whole = new float[length];
        istft.inverse(spec, firstFrame, totalFrames, length, 0, whole, 0, length);

        for (int cropStart = 0; cropStart < length; cropStart += 5) {
            for (int cropLength : new int[] {0, 1, hop - 1, hop, hop + 3, nFft, length - cropStart}) {
                if (cropStart + cropLength > length) continue;
                float[] out = new float[cropLength + 2];
                java.util.Arrays.fill(out, Float.NaN); // every sample of the crop must be written, zeros too
                out[0] = 42f;
                out[cropLength + 1] = 42f;
                istft.inverse(spec, firstFrame, totalFrames, length, cropStart, out, 1, cropLength);
                assertArrayEquals(java.util.Arrays.copyOfRange(whole, cropStart, cropStart + cropLength),
                        java.util.Arrays.copyOfRange(out, 1, 1 + cropLength),
                        "crop [" + cropStart + ", " + (cropStart + cropLength) + ")");
                assertEquals(42f, out[0], "nothing written before the crop");
                assertEquals(42f, out[cropLength + 1], "nothing written after the crop");
            }
        }
    }

    /** Likewise for the forward transform: any column range, from any slice of the signal, is the same columns of the whole. */
    @Test
    void anyColumnRangeIsTheSameColumnsOfTheWholeTransform() {
        int nFft = 64;
        int hop = 16;
        float[] x = Signals.noise(1, 500, 1.0, 17);
        Stft stft = new Stft(nFft, hop);
        ComplexPlanes whole = stft.forward(x);
        int frames = whole.frames();
        for (int from = 0; from < frames; from += 3) {
            for (int to = from + 1; to <= frames; to += 4) {
                ComplexPlanes part = ComplexPlanes.allocate(whole.bins(), frames);
                // Columns [from, to) from the slice of x they need, when that slice lies inside x.
                int sliceStart = Math.max(0, from * hop - nFft / 2);
                int sliceEnd = Math.min(x.length, (to - 1) * hop + nFft / 2);
                if (from * hop - nFft / 2 >= 0 && (to - 1) * hop + nFft / 2 <= x.length) {
                    stft.analyze(x, sliceStart, sliceEnd - sliceStart, -nFft / 2 - sliceStart, part, from, to);
                } else {
                    stft.analyze(x, 0, x.length, -nFft / 2, part, from, to);
                }
                for (int k = 0; k < whole.bins(); k++) {
                    for (int t = 0; t < frames; t++) {
                        boolean inside = t >= from && t < to;
                        assertEquals(inside ? whole.real(k, t) : 0f, part.real(k, t), "re bin " + k + " frame " + t);
                        assertEquals(inside ? whole.imag(k, t) : 0f, part.imag(k, t), "im bin " + k + " frame " + t);
                    }
                }
            }
        }
    }

    @Test
    void inverseLongerThanTheFramesIsZeroPaddedLikeTorch() {
        int nFft = 64;
        int hop = 16;
        float[] x = Signals.noise(1, 100, 1.0, 3);
        ComplexPlanes spec = new Stft(nFft, hop).forward(x); // 7 frames cover 64 + 6·16 = 160 positions
        float[] y = new Istft(nFft, hop).inverse(spec, 200);

        // Output sample i sits at position i + n_fft/2; positions from 160 on have no frame.
        int covered = nFft + hop * (spec.frames() - 1) - nFft / 2;
        for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], ROUND_TRIP_TOLERANCE, "sample " + i);
        for (int i = covered; i < y.length; i++) assertEquals(0f, y[i], "sample " + i + " beyond the frames");
        assertTrue(Math.abs(y[covered - 1]) > 0, "last covered sample is reconstructed, not zero");
    }

    @Test
    void rejectsWhatTorchRejects() {
        Stft stft = new Stft(64, 16);
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
                () -> stft.forward(new float[32]));
        assertTrue(tooShort.getMessage().contains("longer than 32"), tooShort.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new Stft(63, 16), "odd n_fft");
        assertThrows(IllegalArgumentException.class, () -> new Stft(64, 0), "hop 0");

        // hop = n_fft: every frame starts where the previous one ends, and the periodic Hann window is
        // zero there, so the envelope vanishes (NOLA violated); torch raises "window overlap add min".
        ComplexPlanes spec = new Stft(64, 64).forward(new float[200]);
        IllegalArgumentException nola = assertThrows(IllegalArgumentException.class,
                () -> new Istft(64, 64).inverse(spec, 200));
        assertTrue(nola.getMessage().contains("NOLA"), nola.getMessage());

        IllegalArgumentException bins = assertThrows(IllegalArgumentException.class,
                () -> new Istft(32, 8).inverse(new Stft(64, 16).forward(new float[100]), 100));
        assertTrue(bins.getMessage().contains("expected 17 one-sided bins"), bins.getMessage());
    }

    @Test
    void windowIsTorchsFloat32PeriodicHann() {
        double[] w = Stft.hannWindow(8);
        // torch.hann_window(8) in float32; w[1] != w[7] and w[3] != w[5] because torch rounds the angle to float.
        float[] torch = {0f, 0.1464466154575348f, 0.5f, 0.8535534143447876f, 1f, 0.853553295135498f, 0.5f,
            0.14644649624824524f};
        for (int n = 0; n < 8; n++) assertEquals(torch[n], (float) w[n], "w[" + n + "]");
    }

    @Test
    void instancesAreSafeToShareBetweenThreads() throws Exception {
        Stft stft = new Stft(256, 64);
        Istft istft = new Istft(256, 64);
        float[][] inputs = new float[4][];
        float[][] expected = new float[4][];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = Signals.noise(1, 3000 + 101 * i, 1.0, i);
            expected[i] = istft.inverse(stft.forward(inputs[i]), inputs[i].length);
        }
        Thread[] threads = new Thread[inputs.length];
        Throwable[] failure = new Throwable[1];
        for (int i = 0; i < threads.length; i++) {
            int id = i;
            threads[i] = new Thread(() -> {
                for (int repeat = 0; repeat < 20; repeat++) {
                    float[] y = istft.inverse(stft.forward(inputs[id]), inputs[id].length);
                    if (!java.util.Arrays.equals(expected[id], y)) {
                        synchronized (failure) { failure[0] = new AssertionError("thread " + id + " got a different result"); }
                    }
                }
            });
            threads[i].start();
        }
        for (Thread t : threads) t.join();
        if (failure[0] != null) throw new AssertionError(failure[0]);
    }
}

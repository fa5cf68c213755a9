package dev.htdemucs.report;

import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.numerics.Signals;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorSpectrogramTest {

    private static final int SAMPLE_RATE = 44100;

    @Test
    void fftMatchesANaiveDft() {
        for (int size : new int[]{1, 2, 8, 64, 1024}) {
            SplittableRandom random = new SplittableRandom(size);
            double[] re = new double[size];
            double[] im = new double[size];
            for (int i = 0; i < size; i++) {
                re[i] = random.nextGaussian();
                im[i] = random.nextGaussian();
            }
            double[] expectedRe = new double[size];
            double[] expectedIm = new double[size];
            for (int k = 0; k < size; k++) {
                for (int n = 0; n < size; n++) {
                    double angle = -2 * Math.PI * ((long) k * n % size) / size;
                    expectedRe[k] += re[n] * Math.cos(angle) - im[n] * Math.sin(angle);
                    expectedIm[k] += re[n] * Math.sin(angle) + im[n] * Math.cos(angle);
                }
            }
            new RadixTwoFft(size).transform(re, im);
            for (int k = 0; k < size; k++) {
                assertEquals(expectedRe[k], re[k], 1e-9 * size, "re, size " + size + ", bin " + k);
                assertEquals(expectedIm[k], im[k], 1e-9 * size, "im, size " + size + ", bin " + k);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RadixTwoFft(1000));
    }

    /** A sine error of amplitude 0.01 centred on bin 40 reads −40 dB in that bin's cell, and little elsewhere. */
    @Test
    void sineErrorIsCalibratedAndLocated() {
        int length = SAMPLE_RATE / 2;
        double frequency = 40.0 * SAMPLE_RATE / 1024; // exactly on bin 40: no scalloping loss
        float[] reference = Signals.noise(1, length, 0.1, 7);
        float[] error = Signals.sine(1, length, SAMPLE_RATE, frequency, 0.01, 0);
        float[] test = new float[length];
        for (int i = 0; i < length; i++) {
            test[i] = (float) ((double) reference[i] + error[i]);
        }
        ErrorSpectrogram spectrogram = ErrorSpectrogram.of("onnxruntime", "fp16", "white_noise", "drums", 0,
                reference, test, SAMPLE_RATE, 1024, 256, 200, 128);

        int frames = 1 + (length - 1024 + 255) / 256;
        assertEquals(frames, spectrogram.timeCells());
        assertEquals(128, spectrogram.frequencyCells());
        int sineCell = 40 * 128 / 513;
        for (int t = 0; t < frames - 4; t++) { // the last frames are partly zero padding
            // float32 rounding of reference + error adds noise near -150 dB only
            assertEquals(-40.0, spectrogram.level(t, sineCell), 0.15, "time cell " + t);
            assertTrue(spectrogram.level(t, 60) < -120, "far from the sine, cell 60 reads " + spectrogram.level(t, 60));
        }
        assertEquals(-40.0, spectrogram.peakDb(), 0.15);
    }

    @Test
    void identicalSignalsShowTheFloorAndLongSignalsArePooled() {
        float[] song = Signals.noise(1, 10 * SAMPLE_RATE, 0.1, 3);
        ErrorSpectrogram spectrogram = ErrorSpectrogram.of("pytorch", "fp32", "song.wav", "bass", 1, song,
                song.clone(), SAMPLE_RATE, 1024, 256, 200, 128);
        assertEquals(200, spectrogram.timeCells());
        assertEquals(128, spectrogram.frequencyCells());
        assertEquals(ErrorSpectrogram.FLOOR_DB, spectrogram.peakDb());
        assertEquals(10.0, spectrogram.durationSeconds(), 1e-12);
    }

    @Test
    void nanShowsAsTheLoudestLevel() {
        float[] reference = Signals.noise(1, 8192, 0.1, 1);
        float[] test = reference.clone();
        test[4000] = Float.NaN;
        ErrorSpectrogram spectrogram = ErrorSpectrogram.of("coreml-reference", "fp16", "white_noise", "other", 0,
                reference, test, SAMPLE_RATE, 1024, 256, 200, 128);
        assertEquals(Double.POSITIVE_INFINITY, spectrogram.peakDb());
        assertEquals(Double.POSITIVE_INFINITY, spectrogram.level(15, 3)); // frame 15 spans samples 3840..4863
        assertEquals(ErrorSpectrogram.FLOOR_DB, spectrogram.level(0, 3));
    }

    @Test
    void stemAndChannelAreTakenFromTheSeparatedOutput() {
        int length = 4096;
        float[] reference = Signals.noise(2 * 2, length, 0.1, 5); // [1, S=2, C=2, L]
        float[] test = reference.clone();
        int offset = (1 * 2 + 1) * length; // source 1, channel 1
        for (int n = 0; n < length; n++) {
            test[offset + n] += (float) (0.001 * Math.sin(n * 0.3));
        }
        NpyArray ref = NpyArray.of(reference, 1, 2, 2, length);
        NpyArray tst = NpyArray.of(test, 1, 2, 2, length);
        RunResult run = RunResult.builder("onnxruntime", "fp16", "sine").stems(List.of("drums", "bass"), ref, tst)
                .build();
        assertTrue(ErrorSpectrogram.ofStem(run, "bass", 1, ref, tst, SAMPLE_RATE).peakDb() > -70);
        assertEquals(ErrorSpectrogram.FLOOR_DB, ErrorSpectrogram.ofStem(run, "bass", 0, ref, tst, SAMPLE_RATE).peakDb());
        assertEquals(ErrorSpectrogram.FLOOR_DB, ErrorSpectrogram.ofStem(run, "drums", 1, ref, tst, SAMPLE_RATE).peakDb());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ErrorSpectrogram.ofStem(run, "bass", 2, ref, tst, SAMPLE_RATE));
        assertTrue(e.getMessage().contains("channel 2"), e.getMessage());
    }
}

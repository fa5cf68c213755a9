package dev.htdemucs.dsp;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** demucs' {@code _spec}/{@code _magnitude} and {@code _mask}/{@code _ispec} against PyTorch's tiny6 golden tensors. */
class DemucsSpectrogramGoldenTest {

    /** max |ours − golden| allowed, relative to the golden tensor's peak: float32 FFT rounding is ~1e-7. */
    static final double SPEC_TOLERANCE_OF_PEAK = 1e-5;
    /** Same bound for the inverse path {@code _ispec(spec_out) + wave_out} against {@code output}. */
    static final double ISPEC_TOLERANCE_OF_PEAK = 1e-5;

    private static final GoldenSet GOLDEN = Golden.tiny6();
    private static final int N_FFT = GOLDEN.meta().get("nfft").asInt();
    private static final int HOP = GOLDEN.meta().get("hop").asInt();

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void specMatchesGolden(String testCase) {
        NpyArray mix = GOLDEN.npy(testCase + "/mix.npy");
        NpyArray expected = GOLDEN.npy(testCase + "/spec.npy");
        int channels = mix.dim(1);
        int length = mix.dim(2);
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(N_FFT, HOP);

        float[] spec = spectrogram.spec(mix.data(), channels, length);

        int[] shape = spectrogram.specShape(channels, length);
        assertArrayEquals(expected.shape(), new int[] {1, shape[0], shape[1], shape[2]}, "spec shape");
        Comparison comparison = Comparison.of(expected.data(), spec);
        System.out.println("spec " + testCase + ": " + comparison);
        assertTrue(comparison.maxAbsRelativeToPeak() <= SPEC_TOLERANCE_OF_PEAK,
                testCase + "/spec.npy: " + comparison + " exceeds " + SPEC_TOLERANCE_OF_PEAK + " of peak");
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void ispecPlusWaveOutMatchesGoldenOutput(String testCase) {
        NpyArray specOut = GOLDEN.npy(testCase + "/spec_out.npy");
        NpyArray waveOut = GOLDEN.npy(testCase + "/wave_out.npy");
        NpyArray expected = GOLDEN.npy(testCase + "/output.npy");
        int sources = specOut.dim(1);
        int channels = specOut.dim(2) / 2;
        int frames = specOut.dim(4);
        int length = GOLDEN.segmentSamples();

        float[] audio = DemucsSpectrogram.of(N_FFT, HOP).ispec(specOut.data(), sources, channels, frames, length);

        assertArrayEquals(expected.shape(), new int[] {1, sources, channels, length}, "output shape");
        float[] output = new float[audio.length];
        for (int i = 0; i < audio.length; i++) output[i] = audio[i] + waveOut.data()[i];
        Comparison comparison = Comparison.of(expected.data(), output);
        System.out.println("ispec " + testCase + ": " + comparison);
        assertTrue(comparison.maxAbsRelativeToPeak() <= ISPEC_TOLERANCE_OF_PEAK,
                testCase + "/output.npy: " + comparison + " exceeds " + ISPEC_TOLERANCE_OF_PEAK + " of peak");
    }
}

package dev.htdemucs.runtime.reference;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import static dev.htdemucs.runtime.reference.OpHarness.assertCloseToPeak;
import static dev.htdemucs.runtime.reference.OpHarness.assertShape;
import static dev.htdemucs.runtime.reference.OpHarness.toDouble;

/**
 * The boundary ops stft/istft against the tiny6 golden data computed by demucs/torch:
 * {@code spec = _magnitude(_spec(mix))} and {@code output = _ispec(_mask(spec_out)) + wave_out}.
 */
class SpectrogramKernelTest {
    /** Max error relative to the golden peak (torch float32 FFT vs our double FFT). */
    private static final double TOLERANCE = 1e-5;

    private final GoldenSet tiny6 = Golden.tiny6();
    private final int nfft = tiny6.meta().get("nfft").asInt(), hop = tiny6.meta().get("hop").asInt();

    private static FloatTensor tensor(NpyArray a) { return FloatTensor.of(a.shape(), a.data()); }

    @Test void stftMatchesDemucsSpec() {
        for (String c : new String[] {"white_noise", "synth_song"}) {
            NpyArray mix = tiny6.npy(c + "/mix.npy"), spec = tiny6.npy(c + "/spec.npy");
            FloatTensor out = OpHarness.run("stft", Attributes.of("n_fft", nfft, "hop", hop), tensor(mix));
            assertShape(spec.shape(), out);
            assertCloseToPeak(toDouble(spec.data()), out.data(), TOLERANCE, c + " spec");
        }
    }

    @Test void istftOfSpecOutPlusWaveOutIsTheModelOutput() {
        for (String c : new String[] {"white_noise", "synth_song"}) {
            NpyArray specOut = tiny6.npy(c + "/spec_out.npy"), waveOut = tiny6.npy(c + "/wave_out.npy");
            NpyArray output = tiny6.npy(c + "/output.npy");
            int length = output.dim(3);
            FloatTensor wave = OpHarness.run("istft", Attributes.of("n_fft", nfft, "hop", hop, "length", length), tensor(specOut));
            assertShape(output.shape(), wave);
            float[] sum = wave.data().clone();
            for (int i = 0; i < sum.length; i++) sum[i] += waveOut.data()[i];
            assertCloseToPeak(toDouble(output.data()), sum, TOLERANCE, c + " output");
        }
    }
}

package dev.htdemucs.bench.jmh;

import dev.htdemucs.numerics.Signals;
import dev.htdemucs.dsp.DemucsSpectrogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The host-side spectrogram of one HTDemucs segment (demucs' {@code _spec}+{@code _magnitude} and
 * {@code _mask}+{@code _ispec}) at htdemucs_6s sizes: n_fft 4096, hop 1024, 343980 stereo samples, 6 sources.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpectrogramBenchmarks {
    @Param({"4096"}) int nfft;
    @Param({"343980"}) int segment;
    @Param({"6"}) int sources;

    private static final int CHANNELS = 2;
    private DemucsSpectrogram spectrogram;
    private float[] mix;
    private float[] cac;
    private float[] oneSource;
    private int frames;

    @Setup public void setUp() {
        spectrogram = DemucsSpectrogram.of(nfft, nfft / 4);
        mix = Signals.noise(CHANNELS, segment, 0.1, 1);
        frames = spectrogram.frames(segment);
        float[] spec = spectrogram.spec(mix, CHANNELS, segment);
        oneSource = spec;
        cac = new float[sources * spec.length];
        for (int s = 0; s < sources; s++) System.arraycopy(spec, 0, cac, s * spec.length, spec.length);
    }

    /** STFT of the stereo mix: CaC [4, 2048, 336]. */
    @Benchmark public float[] stft() {
        return spectrogram.spec(mix, CHANNELS, segment);
    }

    /** iSTFT of one source: [1, 4, 2048, 336] to [1, 2, 343980]. */
    @Benchmark public float[] istftOneSource() {
        return spectrogram.ispec(oneSource, 1, CHANNELS, frames, segment);
    }

    /** iSTFT of all sources: [6, 2, 343980]. */
    @Benchmark public float[] istft() {
        return spectrogram.ispec(cac, sources, CHANNELS, frames, segment);
    }
}

package dev.htdemucs.dsp;

import dev.htdemucs.numerics.Signals;

import java.util.Arrays;
import java.util.Locale;

/**
 * Times demucs' spec and ispec on one htdemucs_6s segment (stereo, 343980 samples, n_fft 4096). A
 * benchmark, not a test: run it by hand, e.g.
 * {@code java -cp <test classpath> dev.htdemucs.dsp.SpectrogramBenchmark [iterations]}.
 */
public final class SpectrogramBenchmark {

    private SpectrogramBenchmark() {}

    public static void main(String[] args) {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int length = 343_980;
        int channels = 2;
        int sources = 6;
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(4096, 1024);
        float[] mix = Signals.noise(channels, length, 0.1, 1);
        int frames = spectrogram.frames(length);
        float[] spec = new float[2 * channels * spectrogram.bins() * frames];
        float[] audio = new float[channels * length];
        float[] cacSources = Signals.noise(sources * 2 * channels, spectrogram.bins() * frames, 0.1, 2);
        float[] audioSources = new float[sources * channels * length];

        double[] specMs = new double[iterations];
        double[] ispecMs = new double[iterations];
        double[] ispecSourcesMs = new double[iterations];
        for (int warmup = 0; warmup < 2; warmup++) {
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                spectrogram.spec(mix, 0, channels, length, spec, 0);
                long t1 = System.nanoTime();
                spectrogram.ispec(spec, 0, 1, channels, frames, length, audio, 0);
                long t2 = System.nanoTime();
                spectrogram.ispec(cacSources, 0, sources, channels, frames, length, audioSources, 0);
                long t3 = System.nanoTime();
                specMs[i] = (t1 - t0) / 1e6;
                ispecMs[i] = (t2 - t1) / 1e6;
                ispecSourcesMs[i] = (t3 - t2) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "stereo segment of %d samples, %d frames, %d processors:%n", length, frames,
                Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  spec  [2, L] -> [4, 2048, T]      median %.2f ms, min %.2f ms%n", median(specMs), min(specMs));
        System.out.printf(Locale.ROOT, "  ispec [1, 4, 2048, T] -> [1, 2, L] median %.2f ms, min %.2f ms%n", median(ispecMs), min(ispecMs));
        System.out.printf(Locale.ROOT, "  ispec [6, 4, 2048, T] -> [6, 2, L] median %.2f ms, min %.2f ms%n",
                median(ispecSourcesMs), min(ispecSourcesMs));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }
}

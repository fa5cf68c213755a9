package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.Spectrogram;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.stft.Audio;
import dev.htdemucs.stft.DemucsSpectrogram;

import java.util.concurrent.ForkJoinPool;

/**
 * The host's share of one segment: {@code _magnitude(_spec(mix))} of the {@code [C, L]} mix and
 * {@code _ispec(_mask(spec_out))} of the {@code [S, 2C, F, T]} network output, with the same
 * {@link DemucsSpectrogram} the separator uses (channels spread over the common fork-join pool).
 */
final class SpectrogramBenchmark {
    static final int WARMUP = 3;
    /** Written with a value derived from every result, so the JIT cannot drop the work. */
    static volatile long consumed;

    private SpectrogramBenchmark() {}

    static Spectrogram run(ModelMetadata md, Audio input, int repeat) {
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(md.nfft(), md.hop());
        int channels = md.audioChannels(), sources = md.sources().size(), length = md.segmentSamples();
        int frames = spectrogram.frames(length);
        float[] mix = firstSegment(input, channels, length);
        float[] spec = spectrogram.spec(mix, channels, length);
        // S sources' worth of spectrogram: the input's own, repeated, keeps magnitudes music-like.
        float[] cac = new float[sources * spec.length];
        for (int s = 0; s < sources; s++) System.arraycopy(spec, 0, cac, s * spec.length, spec.length);

        double[] stft = new double[repeat], istft = new double[repeat];
        long sink = 0;
        for (int i = -WARMUP; i < repeat; i++) {
            long t0 = System.nanoTime();
            float[] s = spectrogram.spec(mix, channels, length);
            long t1 = System.nanoTime();
            float[] a = spectrogram.ispec(cac, sources, channels, frames, length);
            long t2 = System.nanoTime();
            sink += Float.floatToRawIntBits(s[s.length / 3]) + Float.floatToRawIntBits(a[a.length / 3]);
            if (i >= 0) {
                stft[i] = (t1 - t0) / 1e6;
                istft[i] = (t2 - t1) / 1e6;
            }
        }
        consumed = sink;
        Stats stftMs = Stats.of(stft), istftMs = Stats.of(istft);
        return new Spectrogram(StepStatus.OK, null, length, channels, sources, md.nfft(), md.hop(), frames, WARMUP,
                stftMs, istftMs, stftMs.median() + istftMs.median(), hostThreads());
    }

    static Spectrogram skipped(StepStatus status, String reason, ModelMetadata md) {
        int frames = md == null ? 0 : md.frames();
        return md == null
                ? new Spectrogram(status, reason, 0, 0, 0, 0, 0, 0, WARMUP, null, null, null, hostThreads())
                : new Spectrogram(status, reason, md.segmentSamples(), md.audioChannels(), md.sources().size(), md.nfft(),
                md.hop(), frames, WARMUP, null, null, null, hostThreads());
    }

    /** The calling thread plus the common pool's workers. */
    static int hostThreads() {
        return ForkJoinPool.getCommonPoolParallelism() + 1;
    }

    /** The first {@code length} samples of the input (zero-padded if shorter), C order. */
    private static float[] firstSegment(Audio input, int channels, int length) {
        float[] mix = new float[channels * length];
        for (int c = 0; c < channels; c++) {
            float[] ch = input.samples()[Math.min(c, input.channels() - 1)];
            System.arraycopy(ch, 0, mix, c * length, Math.min(length, ch.length));
        }
        return mix;
    }
}

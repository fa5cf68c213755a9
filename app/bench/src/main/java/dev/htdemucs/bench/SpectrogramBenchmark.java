package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.Spectrogram;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.DemucsSpectrogram;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * The host's share of one segment, with the same {@link DemucsSpectrogram} the separator uses (its tasks
 * spread over the common fork-join pool). Each repeat times, one after the other:
 * <ol>
 *   <li>{@code _magnitude(_spec(mix))} of the {@code [C, L]} mix;</li>
 *   <li>{@code _ispec(_mask(·))} of one source {@code [1, 2C, F, T]} — with (1), "STFT + iSTFT of one
 *       stereo segment";</li>
 *   <li>{@code _ispec(_mask(spec_out))} of all {@code S} sources {@code [S, 2C, F, T]} — with (1), all the
 *       host does per segment.</li>
 * </ol>
 * Both sums are also timed in CPU time over all threads: on a shared machine wall time depends on what
 * else runs, CPU time much less.
 */
final class SpectrogramBenchmark {
    static final int WARMUP = 3;
    /**
     * Fewest timed repeats: one is a few tens of milliseconds, and a median of the harness's default of 3
     * says little on a shared machine. {@code --repeat} above this raises it.
     */
    static final int MIN_REPEAT = 30;
    /** Written with a value derived from every result, so the JIT cannot drop the work. */
    static volatile long consumed;

    private SpectrogramBenchmark() {}

    /** Timed repeats for a {@code --repeat} of {@code requested}: at least {@link #MIN_REPEAT}. */
    static int repeats(int requested) {
        return Math.max(requested, MIN_REPEAT);
    }

    static Spectrogram run(ModelMetadata md, Audio input, int requestedRepeat) {
        int repeat = repeats(requestedRepeat);
        DemucsSpectrogram spectrogram = DemucsSpectrogram.of(md.nfft(), md.hop());
        int channels = md.audioChannels(), sources = md.sources().size(), length = md.segmentSamples();
        int frames = spectrogram.frames(length);
        float[] mix = firstSegment(input, channels, length);
        float[] spec = spectrogram.spec(mix, channels, length);
        // S sources' worth of spectrogram: the input's own, repeated, keeps magnitudes music-like.
        float[] cac = new float[sources * spec.length];
        for (int s = 0; s < sources; s++) System.arraycopy(spec, 0, cac, s * spec.length, spec.length);

        double[] stft = new double[repeat], istftOne = new double[repeat], istftAll = new double[repeat];
        double[] oneSource = new double[repeat], allSources = new double[repeat];
        double[] oneSourceCpu = new double[repeat], allSourcesCpu = new double[repeat];
        ThreadCpuClock cpu = new ThreadCpuClock();
        long sink = 0;
        for (int i = -WARMUP; i < repeat; i++) {
            Map<Long, Long> c0 = cpu.read();
            long t0 = System.nanoTime();
            float[] s = spectrogram.spec(mix, channels, length);
            long t1 = System.nanoTime();
            Map<Long, Long> c1 = cpu.read();
            long t2 = System.nanoTime();
            float[] one = spectrogram.ispec(spec, 1, channels, frames, length);
            long t3 = System.nanoTime();
            Map<Long, Long> c2 = cpu.read();
            long t4 = System.nanoTime();
            float[] all = spectrogram.ispec(cac, sources, channels, frames, length);
            long t5 = System.nanoTime();
            Map<Long, Long> c3 = cpu.read();
            sink += Float.floatToRawIntBits(s[s.length / 3]) + Float.floatToRawIntBits(one[one.length / 3])
                    + Float.floatToRawIntBits(all[all.length / 3]);
            if (i >= 0) {
                stft[i] = (t1 - t0) / 1e6;
                istftOne[i] = (t3 - t2) / 1e6;
                istftAll[i] = (t5 - t4) / 1e6;
                oneSource[i] = stft[i] + istftOne[i];
                allSources[i] = stft[i] + istftAll[i];
                double stftCpu = ThreadCpuClock.millisBetween(c0, c1);
                oneSourceCpu[i] = stftCpu + ThreadCpuClock.millisBetween(c1, c2);
                allSourcesCpu[i] = stftCpu + ThreadCpuClock.millisBetween(c2, c3);
            }
        }
        consumed = sink;
        Stats stftMs = Stats.of(stft), istftMs = Stats.of(istftAll);
        return new Spectrogram(StepStatus.OK, null, length, channels, sources, md.nfft(), md.hop(), frames, WARMUP,
                stftMs, istftMs, Stats.of(istftOne), Stats.of(oneSource), Stats.of(allSources), Stats.of(oneSourceCpu),
                Stats.of(allSourcesCpu), stftMs.median() + istftMs.median(), hostThreads());
    }

    static Spectrogram skipped(StepStatus status, String reason, ModelMetadata md) {
        int frames = md == null ? 0 : md.frames();
        return md == null
                ? new Spectrogram(status, reason, 0, 0, 0, 0, 0, 0, WARMUP, null, null, null, null, null, null, null,
                null, hostThreads())
                : new Spectrogram(status, reason, md.segmentSamples(), md.audioChannels(), md.sources().size(), md.nfft(),
                md.hop(), frames, WARMUP, null, null, null, null, null, null, null, null, hostThreads());
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

    /**
     * CPU time of every live thread of this JVM, by thread id. Per-thread clocks are exact (the process
     * clock may tick in 10 ms steps); a difference counts each thread's own progress, so a pool worker
     * that starts or ends between two readings neither adds nor loses what others did.
     */
    static final class ThreadCpuClock {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

        Map<Long, Long> read() {
            long[] ids = threads.getAllThreadIds();
            Map<Long, Long> nanos = new HashMap<>(2 * ids.length);
            for (long id : ids) {
                long t = threads.getThreadCpuTime(id);
                if (t >= 0) nanos.put(id, t);
            }
            return nanos;
        }

        /** CPU milliseconds spent between two readings, summed over threads (a new thread counts from zero). */
        static double millisBetween(Map<Long, Long> before, Map<Long, Long> after) {
            long sum = 0;
            for (Map.Entry<Long, Long> e : after.entrySet()) {
                sum += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
            }
            return sum / 1e6;
        }
    }
}

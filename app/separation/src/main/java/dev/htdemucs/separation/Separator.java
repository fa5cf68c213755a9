package dev.htdemucs.separation;

import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Separates a mix of any length with an {@link InnerNetwork}, as demucs'
 * {@code apply_model(model, mix, shifts, split=True, overlap, transition_power, segment)} does for one
 * HTDemucs model.
 *
 * <h2>Segments (split)</h2>
 * With {@code segment} samples per segment and {@code stride = int((1 − overlap) · segment)}, segments
 * start at {@code 0, stride, 2·stride, … < L}. Segment k covers {@code n = min(segment, L − offset)} samples
 * of the mix. Like {@code TensorChunk.padded(segment)} it is fed to the network as the {@code segment}
 * samples centred on it, {@code [offset − (segment − n) // 2, …)}, reading zeros outside the mix; the
 * network's output is cut back to those n samples ({@code center_trim}). A segment shorter than the
 * training length is padded on the right by {@link InnerNetwork#forward} semantics. The results are
 * overlap-added with {@link TransitionWeights} and divided by the summed weights, all in float32 in
 * segment order, as torch does.
 *
 * <h2>Shifts</h2>
 * With {@code shifts > 0}, the mix is padded with {@code max_shift = int(0.5 · samplerate)} zeros on both
 * sides; for each shift an offset in {@code [0, max_shift]} is drawn, the padded mix from that offset on
 * (length {@code L + max_shift − offset}) is split as above, its output from {@code max_shift − offset} on
 * is added up, and the sum divided by {@code shifts}. The offsets come from {@code java.util.Random(seed)}:
 * reproducible, but not those Python's {@code random} would draw, so only {@code shifts = 0} reproduces
 * demucs exactly.
 *
 * <h2>Pipeline</h2>
 * While the session runs segment k on the calling thread, one worker thread turns segment k − 1's
 * outputs into audio (iSTFT, overlap-add) and prepares segment k + 1's inputs (padding, STFT). The
 * worker does its tasks in submission order, so results do not depend on timing. Memory beyond the
 * output {@code [S, C, L]} is a few segments.
 *
 * <p>A separator may be used for many mixes, one at a time (the session is not thread-safe).
 */
public final class Separator {

    private final InnerNetwork network;
    private final SeparationSettings settings;
    private final int channels;
    private final int sources;
    private final int segment;
    private final int stride;
    private final int maxShift;
    private final float[] weights;

    public Separator(InnerNetwork network, SeparationSettings settings) {
        this.network = network;
        this.settings = settings;
        this.channels = network.channels();
        this.sources = network.sources();
        int training = network.trainingLength();
        this.segment = settings.segmentSamples() == 0 ? training : settings.segmentSamples();
        if (segment > training) {
            throw new IllegalArgumentException("segment of " + segment + " samples is longer than the model's training"
                    + " segment of " + training + " samples (" + seconds(training) + " s); HTDemucs cannot run on longer"
                    + " segments");
        }
        this.stride = (int) ((1 - settings.overlap()) * segment);
        if (stride < 1) {
            throw new IllegalArgumentException("overlap " + settings.overlap() + " leaves no stride on a segment of "
                    + segment + " samples");
        }
        this.maxShift = (int) (0.5 * network.metadata().sampleRate());
        this.weights = TransitionWeights.of(segment, settings.transitionPower());
    }

    private String seconds(int samples) {
        return String.format(java.util.Locale.ROOT, "%.2f", samples / (double) network.metadata().sampleRate());
    }

    public ModelMetadata metadata() { return network.metadata(); }

    public InnerNetwork network() { return network; }

    public SeparationSettings settings() { return settings; }

    /** Samples per segment. */
    public int segment() { return segment; }

    /** Samples between the starts of neighbouring segments. */
    public int stride() { return stride; }

    /** The overlap-add weights of one segment. */
    public float[] weights() { return weights.clone(); }

    /**
     * Separates an audio file's samples the way demucs' {@code separate} does: converted to the model's
     * channel count (mono duplicated, as {@link Audio#toStereo}), normalised by {@link MixNormalization},
     * {@link #apply applied}, and mapped back.
     *
     * @throws AudioFormatException when the sample rate is not the model's (there is no resampler) or the
     *                              channel count cannot be converted
     */
    public Stems separate(Audio audio, ProgressListener progress) throws AudioFormatException, PluginException {
        ModelMetadata md = network.metadata();
        Audio converted = toModelFormat(audio, md);
        MixNormalization normalization = MixNormalization.of(converted.samples());
        Audio normalised = new Audio(audio.sampleRate(), normalization.normalise(converted.samples()));
        float[] out = apply(normalised.planar(), normalised.length(), progress);
        normalization.denormalise(out);
        return Stems.fromPlanar(md.sources(), md.sampleRate(), channels, normalised.length(), out);
    }

    /**
     * Checks that {@link #separate} can take this audio: the model's sample rate, and a channel count it
     * converts.
     */
    public static void check(Audio audio, ModelMetadata metadata) throws AudioFormatException {
        toModelFormat(audio, metadata);
    }

    /**
     * The audio in the model's channel count: as is, mono duplicated for a stereo model
     * ({@link Audio#toStereo}), or the mean of the channels for a mono model (demucs'
     * {@code convert_audio_channels}).
     */
    private static Audio toModelFormat(Audio audio, ModelMetadata metadata) throws AudioFormatException {
        int rate = metadata.sampleRate();
        if (audio.sampleRate() != rate) {
            throw new AudioFormatException("sample rate " + audio.sampleRate() + " Hz, but the model expects " + rate
                    + " Hz; there is no resampler built in: resample the file first");
        }
        int channels = metadata.audioChannels();
        if (audio.channels() == channels) return audio;
        if (channels == 2) return audio.toStereo();
        if (channels == 1) {
            float[] mono = new float[audio.length()];
            for (float[] channel : audio.samples()) {
                for (int i = 0; i < mono.length; i++) mono[i] += channel[i];
            }
            for (int i = 0; i < mono.length; i++) mono[i] /= audio.channels();
            return new Audio(audio.sampleRate(), new float[][] {mono});
        }
        throw new AudioFormatException("unsupported channel count " + audio.channels() + ": the model takes "
                + channels + " channels");
    }

    /**
     * {@code apply_model} on {@code mix [C, length]} (C order), split into segments as the class comment
     * says, without any normalisation: a new {@code [S, C, length]} array. Progress is reported on the
     * calling thread after every run of the network.
     */
    public float[] apply(float[] mix, int length, ProgressListener progress) throws PluginException {
        if (length <= 0) throw new IllegalArgumentException("the mix has no samples");
        if (mix.length != (long) channels * length) {
            throw new IllegalArgumentException("mix [" + channels + ", " + length + "] needs " + (long) channels * length
                    + " floats, got " + mix.length);
        }
        List<Job> jobs = plan(length);
        float[] out = new float[Math.multiplyExact(sources * channels, length)];
        OverlapAdd overlapAdd = new OverlapAdd(out, length);
        ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "htdemucs-separation-host");
            t.setDaemon(true);
            return t;
        });
        try {
            Deque<Future<?>> finishing = new ArrayDeque<>();
            // The worker runs tasks in submission order: prepare(k + 1) waits behind finish(k − 1), so at most
            // two segments' outputs are in flight however fast the session is.
            Future<Map<String, Tensor>> next = submitPrepare(worker, mix, length, jobs.get(0));
            for (int k = 0; k < jobs.size(); k++) {
                Map<String, Tensor> inputs = await(next);
                Job job = jobs.get(k);
                next = k + 1 < jobs.size() ? submitPrepare(worker, mix, length, jobs.get(k + 1)) : null;
                while (!finishing.isEmpty() && finishing.peekFirst().isDone()) await(finishing.pollFirst());
                Map<String, Tensor> results = network.run(inputs);
                finishing.addLast(worker.submit(() -> {
                    overlapAdd.add(job, network.output(results));
                    return null;
                }));
                progress.segmentsDone(k + 1, jobs.size());
            }
            while (!finishing.isEmpty()) await(finishing.pollFirst());
        } finally {
            worker.shutdownNow();
        }
        if (settings.shifts() > 0) {
            float shifts = settings.shifts();
            for (int i = 0; i < out.length; i++) out[i] /= shifts;
        }
        return out;
    }

    private Future<Map<String, Tensor>> submitPrepare(ExecutorService worker, float[] mix, int length, Job job) {
        Callable<Map<String, Tensor>> prepare = () -> network.inputs(paddedInput(mix, length, job));
        return worker.submit(prepare);
    }

    private static <T> T await(Future<T> future) throws PluginException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PluginException("separation interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PluginException p) throw p;
            if (cause instanceof RuntimeException r) throw r;
            if (cause instanceof Error err) throw err;
            throw new PluginException("separation failed: " + cause, cause);
        }
    }

    // ------------------------------------------------------------------------------------ plan

    /**
     * One pass over the mix: its view starts at {@code viewStart} (mix coordinates; negative with shifts,
     * where the view begins in the zero padding) and has {@code viewLength} samples; view sample v lands on
     * output sample {@code viewStart + v} when that is ≥ 0.
     */
    private record Pass(int viewStart, int viewLength) {}

    /**
     * One network run: the segment at {@code offset} in its pass's view, covering {@code length} samples
     * of it; {@code finalUpTo} is the view position before which no later segment of the pass adds anything.
     */
    private record Job(Pass pass, int offset, int length, int finalUpTo) {}

    private List<Job> plan(int length) {
        List<Pass> passes = new ArrayList<>();
        if (settings.shifts() == 0) {
            passes.add(new Pass(0, length));
        } else {
            Random random = new Random(settings.seed());
            for (int s = 0; s < settings.shifts(); s++) {
                int offset = random.nextInt(maxShift + 1);
                passes.add(new Pass(offset - maxShift, length + maxShift - offset));
            }
        }
        List<Job> jobs = new ArrayList<>();
        for (Pass pass : passes) {
            for (long offset = 0; offset < pass.viewLength(); offset += stride) {
                int o = (int) offset;
                int n = Math.min(segment, pass.viewLength() - o);
                int next = (int) Math.min(pass.viewLength(), offset + stride);
                jobs.add(new Job(pass, o, n, next));
            }
        }
        return jobs;
    }

    /**
     * The network input for a job: the {@code segment} samples centred on it (zeros outside the mix), then
     * zeros up to the training length.
     */
    private float[] paddedInput(float[] mix, int length, Job job) {
        int training = network.trainingLength();
        float[] padded = new float[channels * training];
        int start = job.pass().viewStart() + job.offset() - (segment - job.length()) / 2;
        int from = Math.max(0, start);
        int to = Math.min(length, start + segment);
        if (from < to) {
            for (int c = 0; c < channels; c++) {
                System.arraycopy(mix, c * length + from, padded, c * training + (from - start), to - from);
            }
        }
        return padded;
    }

    /**
     * The weighted sums of a pass, for the positions not yet final: at most one segment's worth, held in
     * ring buffers indexed by view position modulo the segment.
     */
    private final class OverlapAdd {
        private final float[] out;
        private final int length;
        private final float[] sum;
        private final float[] weightSum;
        private Pass pass;
        private int finalUpTo;

        OverlapAdd(float[] out, int length) {
            this.out = out;
            this.length = length;
            this.sum = new float[sources * channels * segment];
            this.weightSum = new float[segment];
        }

        /** Adds one job's network output {@code [S, C, Ltrain]}, then moves final positions to the output. */
        void add(Job job, float[] output) {
            if (job.pass() != pass) {
                pass = job.pass();
                finalUpTo = 0;
            }
            int training = network.trainingLength();
            int trim = (segment - job.length()) / 2;
            for (int sc = 0; sc < sources * channels; sc++) {
                int ring = sc * segment;
                int at = sc * training + trim;
                for (int j = 0, v = job.offset(); j < job.length(); j++, v++) {
                    sum[ring + v % segment] += weights[j] * output[at + j];
                }
            }
            for (int j = 0, v = job.offset(); j < job.length(); j++, v++) weightSum[v % segment] += weights[j];

            for (int v = finalUpTo; v < job.finalUpTo(); v++) {
                int r = v % segment;
                int t = pass.viewStart() + v;
                if (t >= 0 && t < length) {
                    for (int sc = 0; sc < sources * channels; sc++) {
                        out[sc * length + t] += sum[sc * segment + r] / weightSum[r];
                    }
                }
                for (int sc = 0; sc < sources * channels; sc++) sum[sc * segment + r] = 0;
                weightSum[r] = 0;
            }
            finalUpTo = job.finalUpTo();
        }
    }
}

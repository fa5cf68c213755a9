package dev.htdemucs.separation;

import dev.htdemucs.dsp.DemucsSpectrogram;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.InnerNetworkNames;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code HTDemucs.forward} (in eval mode) around a session running the inner network: the host pads a mix
 * shorter than the training segment with zeros on the right, computes its spectrogram, runs the
 * session, turns {@code spec_out} back into audio, adds {@code wave_out}, and crops to the input length:
 * <pre>
 *   mix  [1, C, L ≤ Ltrain] → F.pad(mix, (0, Ltrain − L))
 *   spec = _magnitude(_spec(mix))                               [1, 2C, F, T]
 *   spec_out, wave_out = inner(mix, spec)                       [1, S, 2C, F, T], [1, S, C, Ltrain]
 *   out  = (_ispec(_mask(spec_out), Ltrain) + wave_out)[..., :L]
 * </pre>
 * The work is split in three steps so that a caller can overlap them: {@link #inputs} and
 * {@link #output} only touch the host-side kernels (thread-safe), {@link #run} touches the session
 * (one call at a time).
 */
public final class InnerNetwork {

    // The contract: names (shared with the modules below the app through InnerNetworkNames) and layouts.
    /** Input {@code mix}: the raw segment, {@link #mixShape}. */
    public static final String MIX = InnerNetworkNames.MIX;
    /** Input {@code spec}: its spectrogram, complex as channels (L.re, L.im, R.re, R.im), {@link #specShape}. */
    public static final String SPEC = InnerNetworkNames.SPEC;
    /** Output {@code spec_out}: the spectral branch per source, complex as channels, {@link #specOutShape}. */
    public static final String SPEC_OUT = InnerNetworkNames.SPEC_OUT;
    /** Output {@code wave_out}: the time branch per source, {@link #waveOutShape}. */
    public static final String WAVE_OUT = InnerNetworkNames.WAVE_OUT;

    /** {@code mix [1, C, L]}. */
    public static int[] mixShape(int channels, int length) { return new int[] {1, channels, length}; }

    /** {@code spec [1, 2C, F, T]}. */
    public static int[] specShape(int channels, int bins, int frames) { return new int[] {1, 2 * channels, bins, frames}; }

    /** {@code spec_out [1, S, 2C, F, T]}. */
    public static int[] specOutShape(int sources, int channels, int bins, int frames) {
        return new int[] {1, sources, 2 * channels, bins, frames};
    }

    /** {@code wave_out [1, S, C, L]}. */
    public static int[] waveOutShape(int sources, int channels, int length) { return new int[] {1, sources, channels, length}; }

    private final Session session;
    private final ModelMetadata metadata;
    private final DemucsSpectrogram spectrogram;
    private final int channels;
    private final int sources;
    private final int trainingLength;
    private final int frames;
    private final TensorType mixType;
    private final TensorType specType;

    /**
     * @throws PluginException when the session's inputs or outputs are not the inner network's for this
     *                         metadata (names {@code mix, spec → spec_out, wave_out} and their shapes)
     */
    public InnerNetwork(Session session, ModelMetadata metadata) throws PluginException {
        this.session = session;
        this.metadata = metadata;
        this.spectrogram = DemucsSpectrogram.of(metadata.nfft(), metadata.hop());
        this.channels = metadata.audioChannels();
        this.sources = metadata.sources().size();
        this.trainingLength = metadata.segmentSamples();
        this.frames = spectrogram.frames(trainingLength);
        int bins = spectrogram.bins();
        if (channels <= 0 || sources <= 0) {
            throw new PluginException("model metadata needs audio channels and sources, got " + channels
                    + " channels and sources " + metadata.sources());
        }
        this.mixType = expect(session.inputTypes(), "input", MIX, mixShape(channels, trainingLength));
        this.specType = expect(session.inputTypes(), "input", SPEC, specShape(channels, bins, frames));
        expect(session.outputTypes(), "output", SPEC_OUT, specOutShape(sources, channels, bins, frames));
        expect(session.outputTypes(), "output", WAVE_OUT, waveOutShape(sources, channels, trainingLength));
    }

    private static TensorType expect(Map<String, TensorType> types, String kind, String name, int... shape)
            throws PluginException {
        TensorType type = types.get(name);
        if (type == null) {
            throw new PluginException("the model is not an HTDemucs inner network: it has no " + kind + " '" + name
                    + "' (its " + kind + "s: " + types.keySet() + "); expected inputs "
                    + String.join(", ", InnerNetworkNames.INPUTS) + " and outputs " + String.join(", ", InnerNetworkNames.OUTPUTS));
        }
        if (!type.sameShape(shape) || !type.dtype().isFloatingPoint()) {
            throw new PluginException("inner network " + kind + " '" + name + "' is " + type + ", expected a float "
                    + Arrays.toString(shape) + " for the model's metadata");
        }
        return type;
    }

    public ModelMetadata metadata() { return metadata; }

    public int channels() { return channels; }

    public int sources() { return sources; }

    /** The only length the network runs on: the model's training segment, {@code int(segment · samplerate)}. */
    public int trainingLength() { return trainingLength; }

    /**
     * The session's inputs for {@code mix [C, Ltrain]} (C order), whose samples beyond the input length
     * are the zeros of forward's right padding. The tensors hold copies: the array may be reused.
     */
    public Map<String, Tensor> inputs(float[] paddedMix) {
        if (paddedMix.length != channels * trainingLength) {
            throw new IllegalArgumentException("padded mix [" + channels + ", " + trainingLength + "] needs "
                    + channels * trainingLength + " floats, got " + paddedMix.length);
        }
        float[] spec = spectrogram.spec(paddedMix, channels, trainingLength);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        inputs.put(MIX, as(mixType, Tensor.ofFloats(mixShape(channels, trainingLength), paddedMix)));
        inputs.put(SPEC, as(specType, Tensor.ofFloats(specType.shape(), spec)));
        return inputs;
    }

    private static Tensor as(TensorType type, Tensor tensor) {
        return type.dtype() == DType.FLOAT32 ? tensor : tensor.to(type.dtype());
    }

    /** Runs the session once; not to be called from two threads at a time. */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException {
        Map<String, Tensor> results = session.run(inputs);
        for (String name : InnerNetworkNames.OUTPUTS) {
            if (!results.containsKey(name)) {
                throw new PluginException("the inner network's run returned no '" + name + "' (got " + results.keySet() + ")");
            }
        }
        return results;
    }

    /**
     * {@code _ispec(_mask(spec_out), Ltrain) + wave_out}: the separated segment {@code [S, C, Ltrain]}, C order.
     */
    public float[] output(Map<String, Tensor> results) throws PluginException {
        float[] specOut = floats(results, SPEC_OUT, (long) sources * 2 * channels * spectrogram.bins() * frames);
        float[] waveOut = floats(results, WAVE_OUT, (long) sources * channels * trainingLength);
        return stems(spectrogram, specOut, waveOut, sources, channels, frames, trainingLength);
    }

    /**
     * The host's half of the network: {@code _ispec(spec_out, length) + wave_out}, the separated stems
     * {@code [S, C, length]} in C order, from {@code spec_out [S, 2C, F, frames]} and {@code wave_out [S, C, length]}.
     */
    public static float[] stems(DemucsSpectrogram spectrogram, float[] specOut, float[] waveOut, int sources, int channels,
                                int frames, int length) {
        float[] out = spectrogram.ispec(specOut, sources, channels, frames, length);
        for (int i = 0; i < out.length; i++) out[i] = waveOut[i] + out[i];
        return out;
    }

    private static float[] floats(Map<String, Tensor> results, String name, long count) throws PluginException {
        Tensor t = results.get(name);
        if (t.numel() != count) {
            throw new PluginException("inner network output '" + name + "' is " + t.type() + " with " + t.numel()
                    + " elements, expected " + count);
        }
        return t.toFloatArray();
    }

    /**
     * {@code HTDemucs.forward} on one mix {@code [C, length]} (C order) with {@code length ≤ Ltrain}:
     * a new {@code [S, C, length]}.
     */
    public float[] forward(float[] mix, int length) throws PluginException {
        if (length <= 0 || length > trainingLength) {
            throw new IllegalArgumentException("the network runs on at most its training length " + trainingLength
                    + " samples, got " + length);
        }
        if (mix.length != channels * length) {
            throw new IllegalArgumentException("mix [" + channels + ", " + length + "] needs " + channels * length
                    + " floats, got " + mix.length);
        }
        float[] padded = new float[channels * trainingLength];
        for (int c = 0; c < channels; c++) System.arraycopy(mix, c * length, padded, c * trainingLength, length);
        float[] full = output(run(inputs(padded)));
        float[] out = new float[sources * channels * length];
        for (int sc = 0; sc < sources * channels; sc++) System.arraycopy(full, sc * trainingLength, out, sc * length, length);
        return out;
    }
}

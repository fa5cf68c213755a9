package dev.htdemucs.separation;

import dev.htdemucs.dsp.DemucsSpectrogram;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A stand-in for an inner network whose outputs are easy to predict. It checks that the host gives it
 * {@code spec = DemucsSpectrogram.spec(mix)} bit for bit, counts its runs, and can fail on a chosen run.
 */
final class FakeInnerSession implements Session {

    /** What the fake network computes from {@code mix [C, L]} and {@code spec [2C, F, T]}, per source s with gain g_s. */
    enum Behaviour {
        /** {@code spec_out = 0}, {@code wave_out = g_s · mix}: the separation is {@code g_s · mix}. */
        WAVE_GAIN,
        /** {@code spec_out = g_s · spec}, {@code wave_out = 0}: the separation is {@code g_s · ispec(spec(mix))}. */
        SPEC_GAIN,
        /**
         * {@code spec_out = g_s · spec}, {@code wave_out[s, c, i] = g_s · mix[C−1−c, (i + 7) mod L] + 1e-3 · (i mod 97) · (s + 1)}:
         * depends on where a sample sits in the segment, so any misplaced padding shows.
         */
        POSITIONAL
    }

    final ModelMetadata metadata;
    final Behaviour behaviour;
    final float[] gains;
    int runs;
    int failAtRun = -1;
    boolean closed;
    private final DemucsSpectrogram spectrogram;
    private final int channels;
    private final int length;
    private final int cacSize;

    FakeInnerSession(ModelMetadata metadata, Behaviour behaviour) {
        this.metadata = metadata;
        this.behaviour = behaviour;
        this.spectrogram = DemucsSpectrogram.of(metadata.nfft(), metadata.hop());
        this.channels = metadata.audioChannels();
        this.length = metadata.segmentSamples();
        this.cacSize = 2 * channels * metadata.bins() * metadata.frames();
        this.gains = new float[metadata.sources().size()];
        for (int s = 0; s < gains.length; s++) gains[s] = 0.5f + 0.25f * s;
    }

    @Override public Map<String, TensorType> inputTypes() {
        Map<String, TensorType> types = new LinkedHashMap<>();
        types.put("mix", TensorType.f32(1, channels, length));
        types.put("spec", TensorType.f32(1, 2 * channels, metadata.bins(), metadata.frames()));
        return types;
    }

    @Override public Map<String, TensorType> outputTypes() {
        int sources = gains.length;
        Map<String, TensorType> types = new LinkedHashMap<>();
        types.put("spec_out", TensorType.f32(1, sources, 2 * channels, metadata.bins(), metadata.frames()));
        types.put("wave_out", TensorType.f32(1, sources, channels, length));
        return types;
    }

    @Override public Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException {
        if (closed) throw new IllegalStateException("run after close");
        if (runs++ == failAtRun) throw new PluginException("fake failure on run " + failAtRun);
        float[] mix = inputs.get("mix").toFloatArray();
        float[] spec = inputs.get("spec").toFloatArray();
        if (!Arrays.equals(spec, spectrogram.spec(mix, channels, length))) {
            throw new AssertionError("spec input is not DemucsSpectrogram.spec(mix)");
        }
        float[][] outputs = compute(mix, spec);
        Map<String, TensorType> types = outputTypes();
        return Map.of("spec_out", Tensor.ofFloats(types.get("spec_out").shape(), outputs[0]),
                "wave_out", Tensor.ofFloats(types.get("wave_out").shape(), outputs[1]));
    }

    /** {spec_out [S, 2C, F, T], wave_out [S, C, L]} for the inputs, per {@link #behaviour}. */
    float[][] compute(float[] mix, float[] spec) {
        int sources = gains.length;
        float[] specOut = new float[sources * cacSize];
        float[] waveOut = new float[sources * channels * length];
        for (int s = 0; s < sources; s++) {
            float g = gains[s];
            if (behaviour != Behaviour.WAVE_GAIN) {
                for (int i = 0; i < cacSize; i++) specOut[s * cacSize + i] = g * spec[i];
            }
            for (int c = 0; c < channels; c++) {
                int at = (s * channels + c) * length;
                for (int i = 0; i < length; i++) {
                    waveOut[at + i] = switch (behaviour) {
                        case WAVE_GAIN -> g * mix[c * length + i];
                        case SPEC_GAIN -> 0f;
                        case POSITIONAL -> g * mix[(channels - 1 - c) * length + (i + 7) % length]
                                + 1e-3f * (i % 97) * (s + 1);
                    };
                }
            }
        }
        return new float[][] {specOut, waveOut};
    }

    @Override public void close() { closed = true; }
}

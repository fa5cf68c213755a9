package dev.htdemucs.validation;

import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerNetwork;
import dev.htdemucs.separation.ProgressListener;
import dev.htdemucs.separation.SeparationSettings;
import dev.htdemucs.separation.Separator;

import java.util.Map;

/**
 * What one runtime computed for one input.
 *
 * @param specOut         inner output {@code spec_out [1, S, 2C, F, T]} of the first segment
 * @param waveOut         inner output {@code wave_out [1, S, C, Ltrain]} of the first segment
 * @param stems           the separated input {@code [1, S, C, length]}
 * @param wallTimeSeconds time spent in the session's runs and the host's STFT/iSTFT
 */
record CaseOutputs(NpyArray specOut, NpyArray waveOut, NpyArray stems, double wallTimeSeconds) {

    /**
     * Runs {@code session} on {@code input}. The inner outputs are those of the first segment; the stems come
     * from the host's STFT/iSTFT around the session ({@code host} only lends its host-side kernels, it may
     * wrap another session): an input of at most one segment is padded and cropped as {@code HTDemucs.forward}
     * does, a longer one is split into overlapping segments as {@code apply_model} does (overlap 0.25, no
     * shifts).
     */
    static CaseOutputs run(Session session, InnerNetwork host, ValidationCase input) throws PluginException {
        int training = host.trainingLength();
        int sources = host.sources();
        int channels = host.channels();
        Map<String, Tensor> inputs = host.inputs(input.firstSegment(training));
        long start = System.nanoTime();
        Map<String, Tensor> results = session.run(inputs);
        NpyArray specOut = npy(results, InnerNetwork.SPEC_OUT);
        NpyArray waveOut = npy(results, InnerNetwork.WAVE_OUT);
        float[] stems;
        if (input.length() <= training) {
            float[] segment = host.output(results);
            stems = new float[sources * channels * input.length()];
            for (int sc = 0; sc < sources * channels; sc++) {
                System.arraycopy(segment, sc * training, stems, sc * input.length(), input.length());
            }
        } else {
            // The session has run once, so even a runtime that learns its output shapes by running (pytorch)
            // now declares what InnerNetwork checks.
            Separator separator = new Separator(new InnerNetwork(session, host.metadata()), SeparationSettings.DEFAULT);
            stems = separator.apply(input.mix(), input.length(), ProgressListener.NONE);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new CaseOutputs(specOut, waveOut, NpyArray.of(stems, 1, sources, channels, input.length()), seconds);
    }

    private static NpyArray npy(Map<String, Tensor> results, String name) throws PluginException {
        Tensor t = results.get(name);
        if (t == null) {
            throw new PluginException("the run returned no '" + name + "' (outputs: " + results.keySet() + ")");
        }
        return new NpyArray(t.shape(), t.toFloatArray());
    }

    /** Values that are NaN or infinite, in all three outputs. */
    long nonFiniteCount() {
        return nonFinite(specOut.data()) + nonFinite(waveOut.data()) + nonFinite(stems.data());
    }

    private static long nonFinite(float[] values) {
        long n = 0;
        for (float v : values) if (!Float.isFinite(v)) n++;
        return n;
    }
}

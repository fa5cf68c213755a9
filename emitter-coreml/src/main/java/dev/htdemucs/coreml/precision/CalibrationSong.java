package dev.htdemucs.coreml.precision;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.stft.DemucsSpectrogram;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A deterministic, music-like calibration mix: a short seeded "song" at 120 bpm with a pitch-dropping kick
 * on every beat, a snare-like noise burst on beats 2 and 4, off-beat hi-hats, a harmonic bass line, a
 * slowly swelling chord pad, a vibrato lead and a faint noise floor, each instrument panned differently so
 * the channels differ. Every source of a separation model has something to respond to, from 40 Hz to the
 * top octave, with transients and sustained tones. The same (channels, samples, sample rate, seed) always
 * gives the same samples.
 */
public final class CalibrationSong {
    /** Seed of the song the {@code auto} selector calibrates on. */
    public static final long DEFAULT_SEED = 0x5EED5046L;

    private static final double BEAT_SECONDS = 0.5;
    private static final double[] SCALE_HZ = {110.0, 123.47, 130.81, 146.83, 164.81, 174.61, 196.0}; // A minor, A2..G3
    private static final int[][] CHORDS = {{0, 2, 4}, {5, 0, 2}, {2, 4, 6}, {6, 1, 3}}; // Am, F, C, G in scale degrees

    private CalibrationSong() {}

    /** The mix {@code [channels, samples]} in C order, peak about 0.7. */
    public static float[] mix(int channels, int samples, double sampleRate, long seed) {
        if (channels <= 0 || samples <= 0 || !(sampleRate > 0)) {
            throw new IllegalArgumentException("calibration song needs channels, samples and a sample rate > 0, got "
                    + channels + ", " + samples + ", " + sampleRate);
        }
        SplittableRandom random = new SplittableRandom(seed);
        double[][] out = new double[channels][samples];
        int beat = (int) Math.round(BEAT_SECONDS * sampleRate);
        int beats = (samples + beat - 1) / beat;
        int[] bassNotes = new int[beats];
        int[] leadNotes = new int[beats * 2];
        for (int b = 0; b < beats; b++) bassNotes[b] = CHORDS[(b / 4) % CHORDS.length][random.nextInt(3)];
        for (int i = 0; i < leadNotes.length; i++) leadNotes[i] = random.nextInt(SCALE_HZ.length);
        double[] noise = new double[samples];
        for (int n = 0; n < samples; n++) noise[n] = random.nextGaussian();

        for (int n = 0; n < samples; n++) {
            double t = n / sampleRate;
            int b = n / beat;
            double tb = (n - (long) b * beat) / sampleRate; // time since the beat
            // kick: 40..140 Hz sweep, 60 ms decay
            double kickPhase = 2 * Math.PI * (40 * tb + 100 * 0.03 * (1 - Math.exp(-tb / 0.03)));
            double kick = 0.45 * Math.exp(-tb / 0.06) * Math.sin(kickPhase);
            // snare on beats 2 and 4, hi-hat on every off-beat: filtered noise bursts
            double highNoise = n > 0 ? noise[n] - noise[n - 1] : noise[n];
            double snare = (b % 2 == 1) ? 0.12 * Math.exp(-tb / 0.08) * (noise[n] + Math.sin(2 * Math.PI * 190 * tb)) : 0;
            double tOff = tb - BEAT_SECONDS / 2;
            double hat = tOff >= 0 ? 0.05 * Math.exp(-tOff / 0.02) * highNoise : 0;
            // bass: root an octave below the scale, a few harmonics, plucked envelope
            double bassHz = SCALE_HZ[bassNotes[b]] / 2;
            double bassEnv = 0.25 * (1 - Math.exp(-tb / 0.005)) * Math.exp(-tb / 0.4);
            double bass = bassEnv * (Math.sin(2 * Math.PI * bassHz * t) + 0.5 * Math.sin(4 * Math.PI * bassHz * t)
                    + 0.25 * Math.sin(6 * Math.PI * bassHz * t));
            // pad: the bar's triad an octave up, swelling over the bar
            int bar = b / 4;
            double tBar = t - bar * 4 * BEAT_SECONDS;
            double padEnv = 0.05 * (1 - Math.exp(-tBar / 0.3));
            double pad = 0;
            for (int degree : CHORDS[bar % CHORDS.length]) {
                double hz = 2 * SCALE_HZ[degree];
                pad += Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(2 * Math.PI * 2.003 * hz * t);
            }
            pad *= padEnv;
            // lead: eighth notes two octaves up with a 5.5 Hz vibrato
            int eighth = Math.min(leadNotes.length - 1, (int) (2 * t / BEAT_SECONDS));
            double leadHz = 4 * SCALE_HZ[leadNotes[eighth]];
            double tNote = t - eighth * BEAT_SECONDS / 2;
            double lead = 0.08 * Math.exp(-tNote / 0.3)
                    * Math.sin(2 * Math.PI * leadHz * t + 0.3 * Math.sin(2 * Math.PI * 5.5 * t));
            double floor = 0.002 * noise[(int) ((n * 7919L) % samples)];

            for (int c = 0; c < channels; c++) {
                double pan = channels == 1 ? 0.5 : c / (double) (channels - 1); // 0 = left, 1 = right
                out[c][n] = kick + bass + 0.9 * snare + floor
                        + (0.6 + 0.8 * pan) * hat
                        + (1.4 - 0.8 * pan) * pad
                        + (0.7 + 0.6 * pan) * lead;
            }
        }
        float[] mix = new float[channels * samples];
        for (int c = 0; c < channels; c++) for (int n = 0; n < samples; n++) mix[c * samples + n] = (float) out[c][n];
        return mix;
    }

    /**
     * Inputs for an HTDemucs network of {@code graph}: {@code mix [1, C, L]} with the song, and, for the
     * inner network, {@code spec [1, 2C, F, T]}, its demucs spectrogram (n_fft and hop from the metadata,
     * or n_fft = 2F and hop = n_fft/4 when the metadata has none).
     *
     * @throws PluginException when the graph's inputs are not those of an HTDemucs network
     */
    public static Map<String, Tensor> inputs(Graph graph, ModelMetadata metadata, long seed) throws PluginException {
        Value mixInput = null, specInput = null;
        for (Value v : graph.inputs()) {
            switch (v.name()) {
                case "mix" -> mixInput = v;
                case "spec" -> specInput = v;
                default -> throw new PluginException("cannot calibrate graph " + graph.name() + ": input '" + v.name()
                        + "' is not an HTDemucs input (expected mix [1, C, L] and, for the inner network, spec [1, 2C, F, T])");
            }
        }
        if (mixInput == null || mixInput.type().rank() != 3 || mixInput.type().dim(0) != 1) {
            throw new PluginException("cannot calibrate graph " + graph.name() + ": it needs an input mix [1, C, L], inputs are "
                    + graph.inputs());
        }
        int channels = mixInput.type().dim(1), length = mixInput.type().dim(2);
        double rate = metadata != null && metadata.sampleRate() > 0 ? metadata.sampleRate() : 44100;
        float[] mix = mix(channels, length, rate, seed);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("mix", as(mixInput.type(), Tensor.ofFloats(new int[] {1, channels, length}, mix)));
        if (specInput != null) {
            TensorType st = specInput.type();
            if (st.rank() != 4 || st.dim(0) != 1 || st.dim(1) != 2 * channels) {
                throw new PluginException("cannot calibrate graph " + graph.name() + ": input spec is " + st
                        + ", expected [1, " + 2 * channels + ", F, T] for mix " + mixInput.type());
            }
            int nfft = metadata != null && metadata.nfft() > 0 ? metadata.nfft() : 2 * st.dim(2);
            int hop = metadata != null && metadata.hop() > 0 ? metadata.hop() : nfft / 4;
            DemucsSpectrogram spectrogram = DemucsSpectrogram.of(nfft, hop);
            int[] shape = {1, 2 * channels, spectrogram.bins(), spectrogram.frames(length)};
            if (!st.sameShape(shape)) {
                throw new PluginException("cannot calibrate graph " + graph.name() + ": input spec is " + st
                        + ", but the spectrogram of mix " + mixInput.type() + " with n_fft " + nfft + ", hop " + hop
                        + " is " + Arrays.toString(shape));
            }
            in.put("spec", as(st, Tensor.ofFloats(shape, spectrogram.spec(mix, channels, length))));
        }
        return in;
    }

    private static Tensor as(TensorType type, Tensor t) {
        return t.dtype() == type.dtype() ? t : t.to(type.dtype());
    }
}

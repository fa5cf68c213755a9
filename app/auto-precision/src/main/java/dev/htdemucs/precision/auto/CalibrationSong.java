package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.dsp.DemucsSpectrogram;
import dev.htdemucs.separation.InnerNetwork;

import java.util.Arrays;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Deterministic, music-like calibration mixes: short seeded "songs" with a pitch-dropping kick on every
 * beat, a snare-like noise burst on beats 2 and 4, off-beat hi-hats, a harmonic bass line, a slowly
 * swelling chord pad, a vibrato lead and a faint noise floor, each instrument panned differently so the
 * channels differ. Every source of a separation model has something to respond to, from 40 Hz to the top
 * octave, with transients and sustained tones.
 *
 * <p>An {@link Arrangement} sets tempo, key, the balance of drums, bass, pad and lead, the stereo width and
 * the level. {@link #song(int)} numbers the songs the {@code auto} selector calibrates on: song 0 is the
 * {@link Arrangement#DEFAULT} arrangement (120 bpm, A minor, the balance above), every later one an
 * arrangement drawn at random from its own seed, so that a set of songs spans tempo, key, balance and
 * level the way different music does, without anyone choosing them. The same (channels, samples, sample
 * rate, song) always gives the same samples.
 */
public final class CalibrationSong {
    /** Seed of the first calibration song; song i is seeded {@code DEFAULT_SEED + i}. */
    public static final long DEFAULT_SEED = 0x5EED5046L;

    private static final double[] SCALE_HZ = {110.0, 123.47, 130.81, 146.83, 164.81, 174.61, 196.0}; // A minor, A2..G3
    private static final int[][] CHORDS = {{0, 2, 4}, {5, 0, 2}, {2, 4, 6}, {6, 1, 3}}; // Am, F, C, G in scale degrees

    private CalibrationSong() {}

    /**
     * How a song is played.
     *
     * @param bpm        tempo, beats per minute
     * @param transpose  semitones up (negative: down) from A minor
     * @param drumsDb    gain of kick, snare and hi-hats, dB
     * @param bassDb     gain of the bass, dB
     * @param padDb      gain of the chord pad, dB
     * @param leadDb     gain of the lead, dB
     * @param width      stereo width: 1 = the default panning, 0 = mono, negative = mirrored
     * @param levelDb    gain of the whole mix, dB
     */
    public record Arrangement(double bpm, int transpose, double drumsDb, double bassDb, double padDb, double leadDb,
                              double width, double levelDb) {
        /** 120 bpm, A minor, every instrument at 0 dB, peak about 0.7. */
        public static final Arrangement DEFAULT = new Arrangement(120, 0, 0, 0, 0, 0, 1, 0);

        public Arrangement {
            if (!(bpm > 0) || !Double.isFinite(bpm)) throw new IllegalArgumentException("tempo must be > 0 bpm, got " + bpm);
            for (double d : new double[] {drumsDb, bassDb, padDb, leadDb, width, levelDb}) {
                if (!Double.isFinite(d)) throw new IllegalArgumentException("arrangement values must be finite, got " + d);
            }
        }

        /**
         * A random arrangement: tempo 80–160 bpm, key −6..+5 semitones, each instrument group −12..+3 dB,
         * width −1..1, level −20..0 dB (uniform). Wide enough that the balance of what a separation model
         * hears changes from song to song by as much as between genres; bounded so that no instrument is
         * inaudible (a source with nothing in it has no meaningful SNR).
         */
        public static Arrangement drawn(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            return new Arrangement(80 + 80 * r.nextDouble(), r.nextInt(-6, 6),
                    -12 + 15 * r.nextDouble(), -12 + 15 * r.nextDouble(), -12 + 15 * r.nextDouble(), -12 + 15 * r.nextDouble(),
                    -1 + 2 * r.nextDouble(), -20 * r.nextDouble());
        }
    }

    /** Calibration song number {@code i}: its arrangement and the seed of its notes and noise. */
    public record Song(int number, Arrangement arrangement, long seed) {
        @Override public String toString() {
            return String.format(Locale.ROOT, "song %d (%.0f bpm, %+d st, drums %+.1f, bass %+.1f, pad %+.1f, lead %+.1f dB, width %.2f, level %+.1f dB)",
                    number, arrangement.bpm(), arrangement.transpose(), arrangement.drumsDb(), arrangement.bassDb(),
                    arrangement.padDb(), arrangement.leadDb(), arrangement.width(), arrangement.levelDb());
        }
    }

    /** Song 0: the default arrangement; song i ≥ 1: the arrangement drawn from seed {@code DEFAULT_SEED + i}. */
    public static Song song(int i) {
        if (i < 0) throw new IllegalArgumentException("calibration songs are numbered from 0, got " + i);
        long seed = DEFAULT_SEED + i;
        return new Song(i, i == 0 ? Arrangement.DEFAULT : Arrangement.drawn(seed), seed);
    }

    /** The mix {@code [channels, samples]} in C order of the default arrangement, peak about 0.7. */
    public static float[] mix(int channels, int samples, double sampleRate, long seed) {
        return mix(channels, samples, sampleRate, seed, Arrangement.DEFAULT);
    }

    /** The mix {@code [channels, samples]} in C order of {@code arrangement}, notes and noise drawn from {@code seed}. */
    public static float[] mix(int channels, int samples, double sampleRate, long seed, Arrangement arrangement) {
        if (channels <= 0 || samples <= 0 || !(sampleRate > 0)) {
            throw new IllegalArgumentException("calibration song needs channels, samples and a sample rate > 0, got "
                    + channels + ", " + samples + ", " + sampleRate);
        }
        double beatSeconds = 60 / arrangement.bpm();
        double pitch = Math.pow(2, arrangement.transpose() / 12.0);
        double drums = gain(arrangement.drumsDb()), bassGain = gain(arrangement.bassDb());
        double padGain = gain(arrangement.padDb()), leadGain = gain(arrangement.leadDb()), level = gain(arrangement.levelDb());
        SplittableRandom random = new SplittableRandom(seed);
        double[][] out = new double[channels][samples];
        int beat = (int) Math.round(beatSeconds * sampleRate);
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
            double tOff = tb - beatSeconds / 2;
            double hat = tOff >= 0 ? 0.05 * Math.exp(-tOff / 0.02) * highNoise : 0;
            // bass: root an octave below the scale, a few harmonics, plucked envelope
            double bassHz = pitch * SCALE_HZ[bassNotes[b]] / 2;
            double bassEnv = 0.25 * (1 - Math.exp(-tb / 0.005)) * Math.exp(-tb / 0.4);
            double bass = bassEnv * (Math.sin(2 * Math.PI * bassHz * t) + 0.5 * Math.sin(4 * Math.PI * bassHz * t)
                    + 0.25 * Math.sin(6 * Math.PI * bassHz * t));
            // pad: the bar's triad an octave up, swelling over the bar
            int bar = b / 4;
            double tBar = t - bar * 4 * beatSeconds;
            double padEnv = 0.05 * (1 - Math.exp(-tBar / 0.3));
            double pad = 0;
            for (int degree : CHORDS[bar % CHORDS.length]) {
                double hz = pitch * 2 * SCALE_HZ[degree];
                pad += Math.sin(2 * Math.PI * hz * t) + 0.3 * Math.sin(2 * Math.PI * 2.003 * hz * t);
            }
            pad *= padEnv;
            // lead: eighth notes two octaves up with a 5.5 Hz vibrato
            int eighth = Math.min(leadNotes.length - 1, (int) (2 * t / beatSeconds));
            double leadHz = pitch * 4 * SCALE_HZ[leadNotes[eighth]];
            double tNote = t - eighth * beatSeconds / 2;
            double lead = 0.08 * Math.exp(-tNote / 0.3)
                    * Math.sin(2 * Math.PI * leadHz * t + 0.3 * Math.sin(2 * Math.PI * 5.5 * t));
            double floor = 0.002 * noise[(int) ((n * 7919L) % samples)];

            for (int c = 0; c < channels; c++) {
                // 0 = left, 1 = right; width scales the distance from the centre
                double pan = channels == 1 ? 0.5 : 0.5 + arrangement.width() * (c / (double) (channels - 1) - 0.5);
                out[c][n] = level * (drums * kick + bassGain * bass + drums * 0.9 * snare + floor
                        + drums * (0.6 + 0.8 * pan) * hat
                        + padGain * (1.4 - 0.8 * pan) * pad
                        + leadGain * (0.7 + 0.6 * pan) * lead);
            }
        }
        float[] mix = new float[channels * samples];
        for (int c = 0; c < channels; c++) for (int n = 0; n < samples; n++) mix[c * samples + n] = (float) out[c][n];
        return mix;
    }

    private static double gain(double db) { return db == 0 ? 1 : Math.pow(10, db / 20); }

    /**
     * Inputs for an HTDemucs network of {@code graph}: {@code mix [1, C, L]} with {@code song}, and, for the
     * inner network, {@code spec [1, 2C, F, T]}, its demucs spectrogram (n_fft and hop from the metadata,
     * or n_fft = 2F and hop = n_fft/4 when the metadata has none).
     *
     * @throws PluginException when the graph's inputs are not those of an HTDemucs network
     */
    public static Map<String, Tensor> inputs(Graph graph, ModelMetadata metadata, Song song) throws PluginException {
        Value mixInput = null, specInput = null;
        for (Value v : graph.inputs()) {
            switch (v.name()) {
                case InnerNetwork.MIX -> mixInput = v;
                case InnerNetwork.SPEC -> specInput = v;
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
        float[] mix = mix(channels, length, rate, song.seed(), song.arrangement());
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put(InnerNetwork.MIX, as(mixInput.type(), Tensor.ofFloats(InnerNetwork.mixShape(channels, length), mix)));
        if (specInput != null) {
            TensorType st = specInput.type();
            if (st.rank() != 4 || st.dim(0) != 1 || st.dim(1) != 2 * channels) {
                throw new PluginException("cannot calibrate graph " + graph.name() + ": input spec is " + st
                        + ", expected [1, " + 2 * channels + ", F, T] for mix " + mixInput.type());
            }
            int nfft = metadata != null && metadata.nfft() > 0 ? metadata.nfft() : 2 * st.dim(2);
            int hop = metadata != null && metadata.hop() > 0 ? metadata.hop() : nfft / 4;
            DemucsSpectrogram spectrogram = DemucsSpectrogram.of(nfft, hop);
            int[] shape = InnerNetwork.specShape(channels, spectrogram.bins(), spectrogram.frames(length));
            if (!st.sameShape(shape)) {
                throw new PluginException("cannot calibrate graph " + graph.name() + ": input spec is " + st
                        + ", but the spectrogram of mix " + mixInput.type() + " with n_fft " + nfft + ", hop " + hop
                        + " is " + Arrays.toString(shape));
            }
            in.put(InnerNetwork.SPEC, as(st, Tensor.ofFloats(shape, spectrogram.spec(mix, channels, length))));
        }
        return in;
    }

    private static Tensor as(TensorType type, Tensor t) {
        return t.dtype() == type.dtype() ? t : t.to(type.dtype());
    }
}

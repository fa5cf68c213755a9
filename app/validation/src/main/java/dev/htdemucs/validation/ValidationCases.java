package dev.htdemucs.validation;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.pipeline.InputFileException;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.numerics.Signals;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.separation.Separator;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs of {@code validate}: the built-in signals, one training segment each, or the start of a song.
 *
 * <p>The built-in signals are those of the golden sets: {@code silence}, {@code sine_440hz} (full scale, the
 * right channel 0.1 rad ahead), {@code white_noise} (σ = 0.1) and {@code synth_song} (kick, bass, pad, hiss).
 * When the bundled tiny6 golden mix of a signal has exactly the model's input shape and sample rate, that
 * mix is used, so the bundled model sees the very inputs its PyTorch golden outputs come from; other
 * models get the same kinds of signal synthesised at their own segment length.
 */
final class ValidationCases {
    static final String SILENCE = "silence";
    static final String SINE = "sine_440hz";
    static final String WHITE_NOISE = "white_noise";
    static final String SYNTH_SONG = "synth_song";
    static final List<String> BUILT_IN = List.of(SILENCE, SINE, WHITE_NOISE, SYNTH_SONG);

    private static final double SINE_HZ = 440;
    private static final double SINE_PHASE_PER_CHANNEL = 0.1;
    private static final double NOISE_SIGMA = 0.1;
    private static final long SEED = 1234;

    private ValidationCases() {}

    /** The named built-in signals, one training segment long, in the order given. */
    static List<ValidationCase> builtIn(ModelMetadata metadata, List<String> names) {
        int channels = metadata.audioChannels();
        int length = metadata.segmentSamples();
        List<ValidationCase> cases = new ArrayList<>();
        for (String name : names) {
            float[] mix = goldenMix(name, metadata).orElseGet(() -> synthesise(name, channels, length, metadata.sampleRate()));
            cases.add(new ValidationCase(name, mix, channels, length));
        }
        return cases;
    }

    private static java.util.Optional<float[]> goldenMix(String name, ModelMetadata metadata) {
        GoldenSet tiny6 = Golden.tiny6();
        String file = name + "/mix.npy";
        if (tiny6.sampleRate() != metadata.sampleRate() || !tiny6.has(file)) return java.util.Optional.empty();
        NpyArray mix = tiny6.npy(file);
        boolean fits = Arrays.equals(mix.shape(), new int[] {1, metadata.audioChannels(), metadata.segmentSamples()});
        return fits ? java.util.Optional.of(mix.data()) : java.util.Optional.empty();
    }

    private static float[] synthesise(String name, int channels, int length, int sampleRate) {
        return switch (name) {
            case SILENCE -> Signals.silence(channels, length);
            case SINE -> Signals.sine(channels, length, sampleRate, SINE_HZ, 1.0, SINE_PHASE_PER_CHANNEL);
            case WHITE_NOISE -> Signals.noise(channels, length, NOISE_SIGMA, SEED);
            case SYNTH_SONG -> synthSong(channels, length, sampleRate, SEED);
            default -> throw new IllegalArgumentException("no built-in signal '" + name + "'; built in: "
                    + String.join(", ", BUILT_IN));
        };
    }

    /**
     * A few seconds of something song-like, so that every source has something to pick up: a decaying 60 Hz
     * kick every 0.25 s, a 55 Hz bass whose loudness swells twice a second, a C-major pad (a little wider on
     * the right channel) and quiet hiss. Peak about 0.9.
     */
    static float[] synthSong(int channels, int length, int sampleRate, long seed) {
        float[] out = new float[channels * length];
        SplittableRandom random = new SplittableRandom(seed);
        double[] pad = {261.63, 329.63, 392.00};
        for (int c = 0; c < channels; c++) {
            for (int n = 0; n < length; n++) {
                double t = n / (double) sampleRate;
                double sinceKick = t % 0.25;
                double kick = 0.5 * Math.exp(-sinceKick / 0.06) * Math.sin(2 * Math.PI * 60 * sinceKick);
                double bass = 0.2 * (0.6 + 0.4 * Math.sin(2 * Math.PI * 2 * t)) * Math.sin(2 * Math.PI * 55 * t);
                double chord = 0;
                for (double f : pad) chord += 0.06 * Math.sin(2 * Math.PI * f * (1 + 0.002 * c) * t + 0.3 * c);
                double hiss = 0.01 * random.nextGaussian();
                out[c * length + n] = (float) (kick + bass + chord + hiss);
            }
        }
        return out;
    }

    /**
     * The first {@code seconds} of a song (all of it when shorter), in the model's channel count: mono is
     * duplicated for a stereo model, as {@code separate} does. No loudness normalisation: the samples are
     * fed as they are, as {@code apply_model} is.
     *
     * @param seconds null for one training segment
     */
    static ValidationCase song(Path file, Double seconds, ModelMetadata metadata) throws InputFileException {
        Audio audio = SongFiles.read(file);
        try {
            Separator.check(audio, metadata);
        } catch (AudioFormatException e) {
            throw new InputFileException(e.getMessage(), file, e);
        }
        int wanted = seconds == null ? metadata.segmentSamples() : (int) Math.round(seconds * metadata.sampleRate());
        int length = Math.min(wanted, audio.length());
        int channels = metadata.audioChannels();
        float[][] samples = audio.samples();
        float[] mix = new float[channels * length];
        for (int c = 0; c < channels; c++) {
            for (int n = 0; n < length; n++) {
                float x;
                if (samples.length == channels) {
                    x = samples[c][n];
                } else if (channels == 1) {
                    float sum = 0;
                    for (float[] channel : samples) sum += channel[n];
                    x = sum / samples.length; // a mono model hears the mean of the channels, as demucs
                } else {
                    x = samples[0][n]; // mono duplicated; Separator.check refused everything else
                }
                mix[c * length + n] = x;
            }
        }
        return new ValidationCase(file.getFileName().toString(), mix, channels, length);
    }
}

package dev.htdemucs.bench;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.numerics.Signals;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.dsp.Audio;

import java.util.Locale;
import java.util.Optional;

/**
 * The audio a bench separates: music-like, so that no runtime gets an easy ride on silence or denormals.
 * The golden {@code synth_song} mix (kick, bass, pad, hiss) is tiled to the requested length: the
 * full-size set's 7.8 s when present, else tiny6's 0.5 s. A model with another sample rate or channel
 * count gets a synthetic chord plus noise instead.
 *
 * @param source where the samples came from, for the report
 */
record BenchInput(Audio audio, String source) {

    static BenchInput musicLike(ModelMetadata metadata, double seconds) {
        int rate = metadata.sampleRate();
        int channels = metadata.audioChannels();
        long wanted = Math.round(seconds * rate);
        if (wanted < 1 || wanted > Integer.MAX_VALUE / Math.max(1, channels)) {
            throw new IllegalArgumentException(seconds + " s at " + rate + " Hz is not a usable input length");
        }
        int length = (int) wanted;
        for (GoldenSet set : candidates()) {
            if (set.sampleRate() != rate || !set.has("synth_song/mix.npy")) continue;
            NpyArray mix = set.npy("synth_song/mix.npy");
            if (mix.rank() != 3 || mix.dim(1) != channels) continue;
            Audio tiled = tile(mix.data(), channels, mix.dim(2), length, rate);
            return new BenchInput(tiled, String.format(Locale.ROOT, "golden %s synth_song mix (%.2f s) tiled to %.2f s",
                    set.name(), mix.dim(2) / (double) rate, seconds));
        }
        float[] chord = new float[channels * length];
        double[] freqs = {55, 261.63, 329.63, 392.0};
        for (double f : freqs) {
            float[] s = Signals.sine(channels, length, rate, f, 0.15, 0.1);
            for (int i = 0; i < chord.length; i++) chord[i] += s[i];
        }
        float[] noise = Signals.noise(channels, length, 0.02, 42);
        for (int i = 0; i < chord.length; i++) chord[i] += noise[i];
        return new BenchInput(Audio.fromPlanar(rate, channels, chord),
                String.format(Locale.ROOT, "synthetic chord (55, 262, 330, 392 Hz) + noise, %.2f s", seconds));
    }

    private static java.util.List<GoldenSet> candidates() {
        Optional<GoldenSet> full = Golden.fullSize();
        return full.isPresent() ? java.util.List.of(full.get(), Golden.tiny6()) : java.util.List.of(Golden.tiny6());
    }

    /** {@code mix [C, n]} repeated until it is {@code length} samples long. */
    static Audio tile(float[] mix, int channels, int n, int length, int rate) {
        float[][] out = new float[channels][length];
        for (int c = 0; c < channels; c++) {
            for (int at = 0; at < length; at += n) {
                System.arraycopy(mix, c * n, out[c], at, Math.min(n, length - at));
            }
        }
        return new Audio(rate, out);
    }

    double seconds() { return audio.length() / (double) audio.sampleRate(); }
}

package dev.htdemucs.dsp;

/**
 * Audio as float samples, nominally in [-1, 1]: {@code samples[channel][frame]}, all channels the same
 * length. The arrays are held, not copied: treat them as read-only once wrapped.
 */
public record Audio(int sampleRate, float[][] samples) {

    public Audio {
        if (sampleRate <= 0) throw new IllegalArgumentException("sample rate must be > 0, got " + sampleRate);
        if (samples == null || samples.length == 0) throw new IllegalArgumentException("audio needs at least one channel");
        for (int c = 0; c < samples.length; c++) {
            if (samples[c] == null) throw new IllegalArgumentException("channel " + c + " is null");
            if (samples[c].length != samples[0].length) {
                throw new IllegalArgumentException("channel " + c + " has " + samples[c].length
                        + " samples, channel 0 has " + samples[0].length);
            }
        }
    }

    /** Wraps a C-ordered {@code [channels, length]} array (as the spectrogram kernels use) by copying it. */
    public static Audio fromPlanar(int sampleRate, int channels, float[] planar) {
        if (channels <= 0 || planar.length % channels != 0) {
            throw new IllegalArgumentException(planar.length + " samples do not divide into " + channels + " channels");
        }
        int length = planar.length / channels;
        float[][] samples = new float[channels][];
        for (int c = 0; c < channels; c++) {
            samples[c] = java.util.Arrays.copyOfRange(planar, c * length, (c + 1) * length);
        }
        return new Audio(sampleRate, samples);
    }

    public int channels() { return samples.length; }

    /** Samples per channel. */
    public int length() { return samples[0].length; }

    /** A C-ordered copy {@code [channels, length]}, the layout of {@link DemucsSpectrogram#spec}'s mix. */
    public float[] planar() {
        int length = length();
        float[] out = new float[Math.multiplyExact(channels(), length)];
        for (int c = 0; c < channels(); c++) System.arraycopy(samples[c], 0, out, c * length, length);
        return out;
    }

    /**
     * Stereo for a stereo model: mono is duplicated into both channels (as demucs' separate does),
     * stereo is returned as is.
     *
     * @throws AudioFormatException for more than two channels, which have no unambiguous stereo mix
     */
    public Audio toStereo() throws AudioFormatException {
        return switch (channels()) {
            case 1 -> new Audio(sampleRate, new float[][] {samples[0], samples[0].clone()});
            case 2 -> this;
            default -> throw new AudioFormatException("unsupported channel count " + channels()
                    + ": only mono (duplicated to stereo) and stereo audio can be separated");
        };
    }
}

package dev.htdemucs.separation;

/**
 * The loudness normalisation demucs' {@code Separator.separate_tensor} (behind {@code demucs.separate})
 * wraps around {@code apply_model}: with {@code ref = mix.mean(channels)}, the mix becomes
 * {@code (mix − ref.mean()) / (ref.std() + 1e-8)} (unbiased std) and every stem is mapped back with
 * {@code stem · (ref.std() + 1e-8) + ref.mean()}.
 *
 * <p>The two statistics are summed in double (torch sums float32 in blocks, so they may differ from
 * torch's in the last bit); everything else is float32 as in torch. A mix of one sample has no unbiased
 * std (torch: NaN); it is taken as 0 here, so such a mix is only shifted.
 */
public record MixNormalization(float mean, float scale) {

    public static MixNormalization of(float[][] mix) {
        int channels = mix.length;
        int length = mix[0].length;
        double sum = 0;
        float[] ref = new float[length];
        for (int i = 0; i < length; i++) {
            float s = 0;
            for (float[] channel : mix) s += channel[i];
            ref[i] = s / channels;
            sum += ref[i];
        }
        double mean = sum / length;
        double squares = 0;
        for (float r : ref) squares += (r - mean) * (r - mean);
        double std = length > 1 ? Math.sqrt(squares / (length - 1)) : 0;
        return new MixNormalization((float) mean, (float) std + 1e-8f);
    }

    /** A normalised copy of {@code mix}. */
    public float[][] normalise(float[][] mix) {
        float[][] out = new float[mix.length][];
        for (int c = 0; c < mix.length; c++) {
            out[c] = new float[mix[c].length];
            for (int i = 0; i < out[c].length; i++) out[c][i] = (mix[c][i] - mean) / scale;
        }
        return out;
    }

    /** Maps normalised samples back in place. */
    public void denormalise(float[] samples) {
        for (int i = 0; i < samples.length; i++) samples[i] = samples[i] * scale + mean;
    }
}

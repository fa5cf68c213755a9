package dev.htdemucs.separation;

import dev.htdemucs.dsp.Audio;

/**
 * How demucs keeps a stem inside [-1, 1] before saving it ({@code demucs.audio.prevent_clip}); applied to
 * each stem on its own, for float files too.
 */
public enum ClipMode {
    /** {@code stem / max(1.01 · max|stem|, 1)}: a loud stem is scaled down as a whole (demucs' default). */
    RESCALE,
    /** {@code clamp(stem, −0.99, 0.99)}. */
    CLAMP,
    /** Unchanged (integer encodings still clamp to their range). */
    NONE;

    public Audio apply(Audio stem) {
        if (this == NONE) return stem;
        float[][] in = stem.samples();
        float[][] out = new float[in.length][];
        if (this == CLAMP) {
            for (int c = 0; c < in.length; c++) {
                out[c] = new float[in[c].length];
                for (int i = 0; i < in[c].length; i++) out[c][i] = Math.max(-0.99f, Math.min(0.99f, in[c][i]));
            }
            return new Audio(stem.sampleRate(), out);
        }
        float peak = 0;
        for (float[] channel : in) {
            for (float x : channel) peak = Math.max(peak, Math.abs(x));
        }
        float divisor = Math.max(1.01f * peak, 1f);
        if (divisor == 1f) return stem;
        for (int c = 0; c < in.length; c++) {
            out[c] = new float[in[c].length];
            for (int i = 0; i < in[c].length; i++) out[c][i] = in[c][i] / divisor;
        }
        return new Audio(stem.sampleRate(), out);
    }
}

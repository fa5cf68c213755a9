package dev.htdemucs.separation;

/**
 * The overlap-add weights of demucs' {@code apply_model}: a triangle rising from 1 to its peak in the
 * middle of the segment and falling back to 1, normalised by its peak and raised to the transition
 * power:
 * <pre>
 *   weight = cat([arange(1, segment // 2 + 1), arange(segment − segment // 2, 0, −1)])
 *   weight = (weight / weight.max()) ** transition_power
 * </pre>
 * Each output sample is {@code Σ weight·chunk / Σ weight} over the segments covering it. With an overlap
 * below 50 % and power 1 this cross-fades linearly between neighbouring segments.
 */
public final class TransitionWeights {

    private TransitionWeights() {}

    /**
     * The weights for a segment of {@code segment} samples, in float32 as torch computes them (the
     * division is correctly rounded in both; powers other than 1 may differ from torch's {@code powf} by
     * an ulp).
     */
    public static float[] of(int segment, double transitionPower) {
        if (segment <= 0) throw new IllegalArgumentException("segment must be > 0 samples, got " + segment);
        int half = segment / 2;
        float peak = segment - half;
        float[] weight = new float[segment];
        for (int i = 0; i < half; i++) weight[i] = i + 1;
        for (int i = half; i < segment; i++) weight[i] = segment - i;
        for (int i = 0; i < segment; i++) {
            float w = weight[i] / peak;
            weight[i] = transitionPower == 1 ? w : (float) Math.pow(w, transitionPower);
        }
        return weight;
    }
}

package dev.htdemucs.separation;

/**
 * How {@link Separator#apply} splits a mix, as demucs' {@code apply_model(split=True)}.
 *
 * @param overlap         fraction of a segment shared by neighbouring segments, in [0, 1); the stride is
 *                        {@code int((1 − overlap) · segment)} samples. demucs' default is 0.25.
 * @param shifts          0 for none; otherwise the mix is separated this many times, each time shifted
 *                        by a random offset in [0, samplerate/2], and the results are averaged ("shift
 *                        trick"). The offsets come from {@code java.util.Random(seed)}, so they are
 *                        reproducible here but not the offsets torch/Python's {@code random} would draw.
 * @param seed            seed of the shift offsets; unused when {@code shifts} is 0.
 * @param segmentSamples  segment length in samples, 0 for the model's training segment; at most that
 *                        (HTDemucs cannot run on longer segments).
 * @param transitionPower exponent of the triangular overlap-add weights, ≥ 1 (demucs: 1).
 */
public record SeparationSettings(double overlap, int shifts, long seed, int segmentSamples, double transitionPower) {

    public static final double DEFAULT_OVERLAP = 0.25;

    /** demucs' defaults except for shifts: overlap 0.25, no shifts, the model's segment, linear transitions. */
    public static final SeparationSettings DEFAULT = new SeparationSettings(DEFAULT_OVERLAP, 0, 0, 0, 1);

    public SeparationSettings {
        if (!(overlap >= 0 && overlap < 1)) {
            throw new IllegalArgumentException("overlap must be in [0, 1), got " + overlap);
        }
        if (shifts < 0) throw new IllegalArgumentException("shifts must be >= 0, got " + shifts);
        if (segmentSamples < 0) {
            throw new IllegalArgumentException("segment must be > 0 samples (or 0 for the model's), got " + segmentSamples);
        }
        if (!(transitionPower >= 1)) {
            // demucs asserts this: below 1 the weights' shape makes transitions worse, not smoother.
            throw new IllegalArgumentException("transition power must be >= 1, got " + transitionPower);
        }
    }

    public SeparationSettings withOverlap(double value) {
        return new SeparationSettings(value, shifts, seed, segmentSamples, transitionPower);
    }

    public SeparationSettings withShifts(int value, long seedValue) {
        return new SeparationSettings(overlap, value, seedValue, segmentSamples, transitionPower);
    }

    public SeparationSettings withSegmentSamples(int value) {
        return new SeparationSettings(overlap, shifts, seed, value, transitionPower);
    }
}

package dev.htdemucs.validation;

/**
 * One input {@code validate} runs every runtime on: a mix in the model's channel count and sample rate.
 *
 * @param name   shown in the report: a built-in signal's name or the song's file name
 * @param mix    {@code [channels, length]} in C order (channel 0's samples first)
 * @param length samples per channel; at most one training segment is fed to the network at a time
 */
record ValidationCase(String name, float[] mix, int channels, int length) {

    ValidationCase {
        if (length < 1) throw new IllegalArgumentException("input " + name + " has no samples");
        if (mix.length != (long) channels * length) {
            throw new IllegalArgumentException("input " + name + ": [" + channels + ", " + length + "] needs "
                    + (long) channels * length + " samples, got " + mix.length);
        }
    }

    /** All samples exactly zero: a stem's SNR against a silent reference says nothing, so no SNR bound applies. */
    boolean silent() {
        for (float x : mix) if (x != 0) return false;
        return true;
    }

    /**
     * The network's input for the first segment: the first {@code trainingLength} samples of every channel,
     * zero-padded on the right as {@code HTDemucs.forward} pads a short mix.
     */
    float[] firstSegment(int trainingLength) {
        int n = Math.min(length, trainingLength);
        float[] padded = new float[channels * trainingLength];
        for (int c = 0; c < channels; c++) System.arraycopy(mix, c * length, padded, c * trainingLength, n);
        return padded;
    }
}

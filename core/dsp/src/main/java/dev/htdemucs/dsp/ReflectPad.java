package dev.htdemucs.dsp;

/**
 * demucs' {@code pad1d(x, (left, right), mode='reflect')} (hdemucs.py): reflect padding that also
 * works on signals too short to reflect.
 *
 * <p>{@code F.pad(mode='reflect')} mirrors without repeating the edge sample and needs every padding
 * to be smaller than the signal. When the signal is not longer than the larger padding, demucs first
 * appends {@code extra = max(left, right) − length + 1} zeros — on the right as far as the right
 * padding allows ({@code min(right, extra)}), the rest on the left — and reflects that zero-extended
 * signal by the remaining paddings. The result always has {@code left + length + right} samples with
 * the original signal at {@code [left, left + length)}.
 */
final class ReflectPad {

    private ReflectPad() {}

    /** Writes the padded copy of {@code x[offset, offset + length)} to {@code out[0, left + length + right)}. */
    static void pad(float[] x, int offset, int length, int left, int right, float[] out) {
        pad(x, offset, length, left, right, 0, left + length + right, out, 0);
    }

    /**
     * Writes samples {@code [from, to)} of the padded copy of {@code x[offset, offset + length)} to
     * {@code out[outOffset, outOffset + to − from)}: a slice, bit-identical to the same range of the whole.
     */
    static void pad(float[] x, int offset, int length, int left, int right, int from, int to, float[] out,
                    int outOffset) {
        if (length <= 0) throw new IllegalArgumentException("cannot pad an empty signal");
        if (left < 0 || right < 0) {
            throw new IllegalArgumentException("negative padding (" + left + ", " + right + ")");
        }
        int total = left + length + right;
        if (from < 0 || from > to || to > total) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") lies outside the padded signal of "
                    + total + " samples");
        }
        int extraLeft = 0;
        int extraRight = 0;
        int maxPad = Math.max(left, right);
        if (length <= maxPad) {
            int extra = maxPad - length + 1;
            extraRight = Math.min(right, extra);
            extraLeft = extra - extraRight;
        }
        // The zero-extended signal z has zeros at [0, extraLeft) and [extraLeft + length, extended).
        int extended = length + extraLeft + extraRight;
        int reflectLeft = left - extraLeft;
        int shift = outOffset - from;
        // Only the padding needs the index arithmetic; the signal itself lands at [left, left + length).
        int copyFrom = Math.max(from, left);
        int copyTo = Math.min(to, left + length);
        for (int i = from; i < Math.min(to, left); i++) {
            out[shift + i] = zeroExtended(x, offset, length, extraLeft, i - reflectLeft, extended);
        }
        if (copyFrom < copyTo) System.arraycopy(x, offset + copyFrom - left, out, shift + copyFrom, copyTo - copyFrom);
        for (int i = Math.max(from, left + length); i < to; i++) {
            out[shift + i] = zeroExtended(x, offset, length, extraLeft, i - reflectLeft, extended);
        }
    }

    /** Sample {@code index} of the zero-extended signal reflected once at both ends. */
    private static float zeroExtended(float[] x, int offset, int length, int extraLeft, int index, int extended) {
        int j = Stft.reflect(index, extended) - extraLeft;
        return j >= 0 && j < length ? x[offset + j] : 0f;
    }
}

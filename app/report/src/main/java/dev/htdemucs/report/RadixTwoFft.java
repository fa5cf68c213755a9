package dev.htdemucs.report;

/**
 * In-place iterative radix-2 Cooley–Tukey FFT of one fixed power-of-two size, forward direction
 * ({@code X[k] = Σ x[n]·e^{-2πikn/N}}, no normalisation). Small on purpose: the report only needs magnitudes
 * for a picture, so this module carries no DSP dependency.
 */
final class RadixTwoFft {

    private final int size;
    private final int[] bitReversed;
    private final double[] cos;
    private final double[] sin;

    RadixTwoFft(int size) {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("FFT size must be a power of two, got " + size);
        }
        this.size = size;
        int bits = Integer.numberOfTrailingZeros(size);
        bitReversed = new int[size];
        for (int i = 0; i < size; i++) {
            bitReversed[i] = bits == 0 ? 0 : Integer.reverse(i) >>> (32 - bits);
        }
        cos = new double[size / 2];
        sin = new double[size / 2];
        for (int k = 0; k < size / 2; k++) {
            double angle = -2 * Math.PI * k / size;
            cos[k] = Math.cos(angle);
            sin[k] = Math.sin(angle);
        }
    }

    int size() {
        return size;
    }

    /** Transforms {@code re + i·im} in place; both arrays must have {@link #size()} elements. */
    void transform(double[] re, double[] im) {
        if (re.length != size || im.length != size) {
            throw new IllegalArgumentException("FFT of size " + size + " given arrays of " + re.length + " and "
                    + im.length + " elements");
        }
        for (int i = 0; i < size; i++) {
            int j = bitReversed[i];
            if (j > i) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int half = 1; half < size; half <<= 1) {
            int twiddleStride = size / (2 * half);
            for (int start = 0; start < size; start += 2 * half) {
                for (int k = 0; k < half; k++) {
                    double wr = cos[k * twiddleStride];
                    double wi = sin[k * twiddleStride];
                    int a = start + k;
                    int b = a + half;
                    double br = re[b] * wr - im[b] * wi;
                    double bi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - br;
                    im[b] = im[a] - bi;
                    re[a] += br;
                    im[a] += bi;
                }
            }
        }
    }
}

package dev.htdemucs.runtime.reference;

/**
 * Straightforward double-precision definitions of the heavy ops, written index by index from the op
 * javadoc (and torch's documentation), to check the optimised kernels against.
 */
final class Naive {
    private Naive() {}

    /** torch.nn.functional.conv2d with explicit begin/end pads; x [N, Cin, H, W], w [Cout, Cin/g, KH, KW]. */
    static double[] conv2d(float[] x, int n, int cin, int h, int w, float[] wt, int cout, int kh, int kw,
                           float[] bias, int sh, int sw, int dh, int dw, int pt, int pb, int pl, int pr, int groups) {
        int oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
        int cinG = cin / groups, coutG = cout / groups;
        double[] out = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int co = 0; co < cout; co++) {
                int g = co / coutG;
                for (int y = 0; y < oh; y++)
                    for (int xo = 0; xo < ow; xo++) {
                        double s = bias == null ? 0 : bias[co];
                        for (int ci = 0; ci < cinG; ci++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++) {
                                    int iy = y * sh - pt + i * dh, ix = xo * sw - pl + j * dw;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    s += (double) wt[((co * cinG + ci) * kh + i) * kw + j]
                                            * x[((b * cin + g * cinG + ci) * h + iy) * w + ix];
                                }
                        out[((b * cout + co) * oh + y) * ow + xo] = s;
                    }
            }
        return out;
    }

    /**
     * torch conv_transpose2d by its definition as a scatter: every input element adds weight × value at
     * output (i·stride + k·dilation − pad_begin); w [Cin, Cout/g, KH, KW]; output size given.
     */
    static double[] convTranspose2d(float[] x, int n, int cin, int h, int w, float[] wt, int coutG, int kh, int kw,
                                    float[] bias, int sh, int sw, int dh, int dw, int pt, int pl, int groups,
                                    int oh, int ow) {
        int cout = coutG * groups, cinG = cin / groups;
        double[] out = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++) {
            if (bias != null)
                for (int co = 0; co < cout; co++)
                    for (int p = 0; p < oh * ow; p++) out[(b * cout + co) * oh * ow + p] = bias[co];
            for (int ci = 0; ci < cin; ci++) {
                int g = ci / cinG;
                for (int iy = 0; iy < h; iy++)
                    for (int ix = 0; ix < w; ix++) {
                        double v = x[((b * cin + ci) * h + iy) * w + ix];
                        for (int co = 0; co < coutG; co++)
                            for (int i = 0; i < kh; i++)
                                for (int j = 0; j < kw; j++) {
                                    int y = iy * sh + i * dh - pt, xo = ix * sw + j * dw - pl;
                                    if (y < 0 || y >= oh || xo < 0 || xo >= ow) continue;
                                    out[((b * cout + g * coutG + co) * oh + y) * ow + xo] +=
                                            v * wt[((ci * coutG + co) * kh + i) * kw + j];
                                }
                    }
            }
        }
        return out;
    }

    /** C = A·B for row-major A [m, k] and B [k, n]. */
    static double[] matmul(float[] a, int aOff, float[] b, int bOff, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[aOff + i * k + p] * b[bOff + p * n + j];
                c[i * n + j] = s;
            }
        return c;
    }

    /** Normalises each consecutive block of {@code size} values by its mean and biased variance (no affine). */
    static double[] normalizeBlocks(float[] x, int size, double eps) {
        double[] out = new double[x.length];
        for (int start = 0; start < x.length; start += size) {
            double mean = 0;
            for (int i = 0; i < size; i++) mean += x[start + i];
            mean /= size;
            double var = 0;
            for (int i = 0; i < size; i++) var += (x[start + i] - mean) * (x[start + i] - mean);
            var /= size;
            for (int i = 0; i < size; i++) out[start + i] = (x[start + i] - mean) / Math.sqrt(var + eps);
        }
        return out;
    }
}

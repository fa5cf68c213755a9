package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.ops.Convolution;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;

/**
 * {@code conv_transpose} (as torch ConvTranspose1d/2d, weight {@code [Cin, Cout/groups, *K]}) by GEMM +
 * col2im: per sample and group, {@code cols[(co, kh, kw), s] = Σ_ci weight[ci, co, kh, kw] · x[ci, s]}
 * on {@link MatMulCore}, then each column is added into the output at
 * {@code (ih·stride + k·dilation − pad_begin)}; positions cropped by the pads are skipped. Input
 * positions are processed in chunks so {@code cols} stays bounded; the scatter runs in parallel over
 * output channels, which own disjoint output planes.
 */
public final class ConvTransposeKernel implements Kernel {
    /** Upper bound on the floats of one chunk of columns. */
    private static final int COLUMN_BUDGET = 1 << 22;

    @Override public String op() { return "conv_transpose"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0], weight = inputs[1];
        FloatTensor bias = inputs.length > 2 ? inputs[2] : null;
        TensorType type = node.output().type();
        int groups = Convolution.params(node).groups();
        ConvGeometry g = ConvGeometry.of(node, x.shape(), weight.shape(), type.shape(), weight.dim(1) * groups);
        int inG = g.inChannels() / groups, outG = weight.dim(1);
        int kernel = g.kernelSize();
        int rows = outG * kernel;
        int inPlane = g.inPlane(), outPlane = g.outPlane();
        float[] out = new float[Math.toIntExact(type.numel())];
        if (bias != null) {
            float[] b = bias.data();
            for (int n = 0; n < g.batch(); n++) {
                for (int co = 0; co < g.outChannels(); co++) {
                    int at = (n * g.outChannels() + co) * outPlane;
                    Arrays.fill(out, at, at + outPlane, b[co]);
                }
            }
        }
        int chunk = Math.max(1, Math.min(inPlane, COLUMN_BUDGET / Math.max(1, rows)));
        if (chunk > MatMulCore.N_BLOCK) chunk -= chunk % MatMulCore.N_BLOCK;
        float[] cols = new float[rows * chunk];
        float[] w = weight.data(), in = x.data();
        for (int grp = 0; grp < groups; grp++) {
            float[] a = transposedWeight(w, grp * inG, inG, rows);
            for (int n = 0; n < g.batch(); n++) {
                int xOff = (n * g.inChannels() + grp * inG) * inPlane;
                int outOff = (n * g.outChannels() + grp * outG) * outPlane;
                for (int s0 = 0; s0 < inPlane; s0 += chunk) {
                    int width = Math.min(chunk, inPlane - s0);
                    Arrays.fill(cols, 0, rows * width, 0f);
                    MatMulCore.multiplyAdd(parallel, new MatMulCore.Product(rows, width, inG, a, 0, inG,
                            MatMulCore.dense(in, xOff + s0, inPlane, 1), cols, 0, width));
                    int start = s0;
                    parallel.forEach(outG, co -> scatter(g, cols, co, start, width, out, outOff + co * outPlane));
                }
            }
        }
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }

    /** {@code A[r][ci] = weight[firstIn + ci][r]} for the group's input channels: rows r = (co, kh, kw). */
    private static float[] transposedWeight(float[] w, int firstIn, int inG, int rows) {
        float[] a = new float[rows * inG];
        for (int ci = 0; ci < inG; ci++) {
            int src = (firstIn + ci) * rows;
            for (int r = 0; r < rows; r++) a[r * inG + ci] = w[src + r];
        }
        return a;
    }

    /** Adds the columns of output channel {@code co} for input positions {@code [s0, s0 + width)} into its plane. */
    private static void scatter(ConvGeometry g, float[] cols, int co, int s0, int width, float[] out, int plane) {
        int kernel = g.kernelSize();
        for (int kh = 0; kh < g.kernelH(); kh++) {
            for (int kw = 0; kw < g.kernelW(); kw++) {
                int src = (co * kernel + kh * g.kernelW() + kw) * width;
                int hOffset = kh * g.dilationH() - g.padTop(), wOffset = kw * g.dilationW() - g.padLeft();
                int ih = s0 / g.w(), iw = s0 % g.w();
                for (int s = 0; s < width; s++) {
                    int oh = ih * g.strideH() + hOffset, ow = iw * g.strideW() + wOffset;
                    if (oh >= 0 && oh < g.outH() && ow >= 0 && ow < g.outW()) out[plane + oh * g.outW() + ow] += cols[src + s];
                    if (++iw == g.w()) {
                        iw = 0;
                        ih++;
                    }
                }
            }
        }
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code conv} (1-D/2-D cross-correlation, as torch Conv1d/Conv2d) as matrix products on
 * {@link MatMulCore}: per sample and group, {@code out[co, p] = Σ_r weight[co, r] · col[r, p]} where
 * {@code r = (ci, kh, kw)} and {@code col} is the im2col matrix, packed panel by panel straight from the
 * input (never materialised). The bias is the products' starting value.
 */
public final class ConvKernel implements Kernel {
    @Override public String op() { return "conv"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0], weight = inputs[1];
        FloatTensor bias = inputs.length > 2 ? inputs[2] : null;
        TensorType type = node.output().type();
        ConvGeometry g = ConvGeometry.of(node, x.shape(), weight.shape(), type.shape(), weight.dim(0));
        int plane = g.outPlane();
        float[] out = new float[Math.toIntExact(type.numel())];
        if (bias != null) {
            float[] b = bias.data();
            for (int n = 0; n < g.batch(); n++) {
                for (int co = 0; co < g.outChannels(); co++) {
                    int at = (n * g.outChannels() + co) * plane;
                    Arrays.fill(out, at, at + plane, b[co]);
                }
            }
        }
        int inG = g.inChannels() / g.groups(), outG = g.outChannels() / g.groups();
        int depth = inG * g.kernelSize();
        List<MatMulCore.Product> products = new ArrayList<>();
        for (int n = 0; n < g.batch(); n++) {
            for (int grp = 0; grp < g.groups(); grp++) {
                int xOff = (n * g.inChannels() + grp * inG) * g.inPlane();
                MatMulCore.PanelSource cols = g.pointwise()
                        ? MatMulCore.dense(x.data(), xOff, g.inPlane(), 1)
                        : new Im2col(x.data(), xOff, g);
                products.add(new MatMulCore.Product(outG, plane, depth, weight.data(), grp * outG * depth, depth,
                        cols, out, (n * g.outChannels() + grp * outG) * plane, plane));
            }
        }
        MatMulCore.multiplyAdd(parallel, products);
        return new FloatTensor[] {new FloatTensor(type.dtype(), type.shape(), out)};
    }

    /** Panels of the im2col matrix of one sample and group: row r = (ci, kh, kw), column p = (oh, ow). */
    private record Im2col(float[] x, int offset, ConvGeometry g) implements MatMulCore.PanelSource {
        @Override public void pack(int k0, int kb, int n0, int nb, float[][] panel) {
            int kernel = g.kernelSize(), outW = g.outW(), w = g.w(), h = g.h();
            int sw = g.strideW();
            for (int r = 0; r < kb; r++) {
                int row = k0 + r;
                int ci = row / kernel, rem = row % kernel;
                int kh = rem / g.kernelW(), kw = rem % g.kernelW();
                int channel = offset + ci * g.inPlane();
                int hOffset = kh * g.dilationH() - g.padTop();
                int wOffset = kw * g.dilationW() - g.padLeft();
                float[] dst = panel[r];
                int oh = n0 / outW, ow = n0 % outW;
                for (int j = 0; j < nb; ) {
                    int run = Math.min(nb - j, outW - ow);
                    int ih = oh * g.strideH() + hOffset;
                    if (ih < 0 || ih >= h) {
                        Arrays.fill(dst, j, j + run, 0f);
                    } else {
                        int src = channel + ih * w;
                        int iw0 = ow * sw + wOffset;
                        if (sw == 1) {
                            // valid t: 0 <= iw0 + t < w
                            int lo = Math.min(run, Math.max(0, -iw0)), hi = Math.max(lo, Math.min(run, w - iw0));
                            if (lo > 0) Arrays.fill(dst, j, j + lo, 0f);
                            if (hi > lo) System.arraycopy(x, src + iw0 + lo, dst, j + lo, hi - lo);
                            if (run > hi) Arrays.fill(dst, j + hi, j + run, 0f);
                        } else {
                            for (int t = 0; t < run; t++) {
                                int iw = iw0 + t * sw;
                                dst[j + t] = iw >= 0 && iw < w ? x[src + iw] : 0f;
                            }
                        }
                    }
                    j += run;
                    ow = 0;
                    oh++;
                }
            }
        }
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.ops.Convolution;


/**
 * The sizes of a {@code conv} or {@code conv_transpose} node, with 1-D cases seen as 2-D of height 1
 * (kernel height 1, stride/dilation 1, no vertical padding), so one code path serves both.
 * Spatial sizes are {@code (h, w)} for the input and {@code (outH, outW)} for the output; the end pads
 * are implied by the output size.
 */
record ConvGeometry(int batch, int inChannels, int h, int w, int outChannels, int outH, int outW,
                    int kernelH, int kernelW, int strideH, int strideW, int dilationH, int dilationW,
                    int padTop, int padLeft, int groups) {

    static ConvGeometry of(Node node, int[] x, int[] weight, int[] out, int outChannels) {
        int spatial = x.length - 2;
        Convolution.Params p = Convolution.params(node);
        int[] strides = p.strides(), dilations = p.dilations(), pads = p.pads();
        int groups = p.groups();
        if (spatial == 1) {
            return new ConvGeometry(x[0], x[1], 1, x[2], outChannels, 1, out[2], 1, weight[2],
                    1, strides[0], 1, dilations[0], 0, pads[0], groups);
        }
        return new ConvGeometry(x[0], x[1], x[2], x[3], outChannels, out[2], out[3], weight[2], weight[3],
                strides[0], strides[1], dilations[0], dilations[1], pads[0], pads[2], groups);
    }

    int inPlane() { return h * w; }
    int outPlane() { return outH * outW; }
    int kernelSize() { return kernelH * kernelW; }

    /** A 1×1 kernel with unit strides and no padding: the input plane is already the im2col matrix. */
    boolean pointwise() {
        return kernelH == 1 && kernelW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0
                && outH == h && outW == w;
    }
}

package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * {@code conv_transpose}: as torch.nn.ConvTranspose1d/2d. Inputs x [N, Cin, *S], weight
 * [Cin, Cout/groups, *K] (PyTorch layout), optional bias [Cout]. pads [begin, end] per spatial axis
 * crop the full output. Output size = (S - 1) * stride + dilation * (K - 1) + 1 - begin - end.
 */
public final class ConvTranspose extends OpDef {
    public ConvTranspose() { super("conv_transpose", List.of("x", "weight", "bias"), 2, List.of("strides", "pads", "dilations", "groups")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0), w = type(node, 1), b = type(node, 2);
        int sp = Convolution.spatialRank(x);
        var p = Convolution.params(node, sp);
        require(w.rank() == x.rank(), "weight must have rank " + x.rank() + ", got " + w);
        require(x.dim(1) == w.dim(0), "input has " + x.dim(1) + " channels but weight " + w + " expects " + w.dim(0));
        require(w.dim(0) % p.groups() == 0, "input channels not divisible by groups");
        int cout = w.dim(1) * p.groups();
        if (b != null) require(b.rank() == 1 && b.dim(0) == cout, "bias must be [" + cout + "], got " + b);
        requireSameDType(x, w, "conv_transpose input and weight");
        int[] out = new int[x.rank()];
        out[0] = x.dim(0);
        out[1] = cout;
        for (int i = 0; i < sp; i++) {
            int full = (x.dim(2 + i) - 1) * p.strides()[i] + p.dilations()[i] * (w.dim(2 + i) - 1) + 1;
            out[2 + i] = full - p.pads()[2 * i] - p.pads()[2 * i + 1];
            require(out[2 + i] > 0, "spatial axis " + i + ": output size " + out[2 + i] + " after cropping pads");
        }
        return one(x.dtype(), out);
    }
}

package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * {@code conv}: 1-D or 2-D cross-correlation as torch.nn.Conv1d/Conv2d. Inputs x [N, Cin, *S],
 * weight [Cout, Cin/groups, *K], optional bias [Cout]. Attributes strides, dilations (default 1),
 * pads [begin, end] per spatial axis (default 0), groups (default 1).
 */
public final class Conv extends OpDef {
    public Conv() { super("conv", List.of("x", "weight", "bias"), 2, List.of("strides", "pads", "dilations", "groups")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0), w = type(node, 1), b = type(node, 2);
        int sp = Convolution.spatialRank(x);
        var p = Convolution.params(node, sp);
        require(w.rank() == x.rank(), "weight must have rank " + x.rank() + ", got " + w);
        require(x.dim(1) == w.dim(1) * p.groups(), "input has " + x.dim(1) + " channels but weight " + w
                + " with groups=" + p.groups() + " expects " + w.dim(1) * p.groups());
        require(w.dim(0) % p.groups() == 0, "output channels " + w.dim(0) + " not divisible by groups " + p.groups());
        if (b != null) require(b.rank() == 1 && b.dim(0) == w.dim(0), "bias must be [" + w.dim(0) + "], got " + b);
        requireSameDType(x, w, "conv input and weight");
        int[] out = new int[x.rank()];
        out[0] = x.dim(0);
        out[1] = w.dim(0);
        for (int i = 0; i < sp; i++) {
            int k = p.dilations()[i] * (w.dim(2 + i) - 1) + 1;
            int padded = x.dim(2 + i) + p.pads()[2 * i] + p.pads()[2 * i + 1];
            require(padded >= k, "spatial axis " + i + ": padded size " + padded + " is smaller than the kernel extent " + k);
            out[2 + i] = (padded - k) / p.strides()[i] + 1;
        }
        return one(x.dtype(), out);
    }
}

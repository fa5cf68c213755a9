package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/** {@code linear}: y = x · weightᵀ + bias, as torch.nn.Linear. x [..., in], weight [out, in], bias [out]. */
public final class Linear extends OpDef {
    public Linear() { super("linear", List.of("x", "weight", "bias"), 2, List.of()); }

    /**
     * Whether this linear is one fused op: an input of rank ≤ 3 and a constant weight and bias (what Core ML's
     * {@code linear} takes). Any other is a product and a sum, and in fp16 the product is stored in fp16
     * before the bias is added.
     */
    public static boolean fused(Node node) {
        Value bias = node.input(2);
        return node.input(0).type().rank() <= 3 && node.input(1).isConstant() && (bias == null || bias.isConstant());
    }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0), w = type(node, 1), b = type(node, 2);
        require(x.rank() >= 1, "input must have rank >= 1");
        require(w.rank() == 2 && w.dim(1) == x.dim(-1), "weight must be [out, " + x.dim(-1) + "], got " + w);
        if (b != null) require(b.rank() == 1 && b.dim(0) == w.dim(0), "bias must be [" + w.dim(0) + "], got " + b);
        requireSameDType(x, w, "linear input and weight");
        int[] out = x.shape();
        out[out.length - 1] = w.dim(0);
        return one(x.dtype(), out);
    }
}

package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * {@code layer_norm}: (x - mean) / sqrt(var + epsilon) * gamma + beta over attribute {@code axes}
 * (default [-1], must be trailing axes), biased variance, as torch.nn.LayerNorm. gamma/beta optional,
 * shaped like the normalised axes. epsilon default 1e-5.
 */
public final class LayerNorm extends OpDef {
    public LayerNorm() { super("layer_norm", List.of("x", "gamma", "beta"), 1, List.of("axes", "epsilon")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        requireFloat(x, "layer_norm input");
        int[] axes = node.attributes().ints("axes", new int[]{-1});
        require(axes.length >= 1 && axes.length <= x.rank(), "axes must name 1.." + x.rank() + " axes");
        int[] normShape = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = normalizeAxis(axes[i], x.rank());
            require(a == x.rank() - axes.length + i, "layer_norm axes must be the trailing axes in order, got " + java.util.Arrays.toString(axes));
            normShape[i] = x.dim(a);
        }
        for (int i = 1; i <= 2; i++) {
            TensorType p = type(node, i);
            if (p != null) require(p.sameShape(normShape), (i == 1 ? "gamma" : "beta") + " must be " + java.util.Arrays.toString(normShape) + ", got " + p);
        }
        return List.of(x);
    }
}

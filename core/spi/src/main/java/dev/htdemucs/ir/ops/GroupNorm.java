package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * {@code group_norm}: as torch.nn.GroupNorm. x [N, C, *]; channels split into attribute
 * {@code num_groups} groups, each normalised over its channels and all trailing axes (biased variance);
 * then per-channel gamma [C] and beta [C] (optional). epsilon default 1e-5. In fp16 (as its Core ML form,
 * reshape + layer_norm + reshape + mul + add, computes it) epsilon is held in fp16, and the normalised value
 * and the value scaled by gamma are each stored in fp16 before the next step.
 */
public final class GroupNorm extends OpDef {
    public GroupNorm() { super("group_norm", List.of("x", "gamma", "beta"), 1, List.of("num_groups", "epsilon")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        requireFloat(x, "group_norm input");
        require(x.rank() >= 2, "input must be [N, C, *], got " + x);
        int groups = node.attributes().integer("num_groups");
        require(groups >= 1 && x.dim(1) % groups == 0, "channels " + x.dim(1) + " not divisible by num_groups " + groups);
        for (int i = 1; i <= 2; i++) {
            TensorType p = type(node, i);
            if (p != null) require(p.sameShape(x.dim(1)), (i == 1 ? "gamma" : "beta") + " must be [" + x.dim(1) + "], got " + p);
        }
        return List.of(x);
    }
}

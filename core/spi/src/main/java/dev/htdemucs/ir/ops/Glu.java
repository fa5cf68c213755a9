package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * {@code glu}: splits x in halves a, b along attribute {@code axis} (default -1); a * sigmoid(b). In fp16 the
 * gate sigmoid(b) is stored in fp16 before the product (as torch's and Core ML's split + sigmoid + mul).
 */
public final class Glu extends OpDef {
    public Glu() { super("glu", List.of("x"), 1, List.of("axis")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        requireFloat(x, "glu input");
        int axis = normalizeAxis(node.attributes().integer("axis", -1), x.rank());
        require(x.dim(axis) % 2 == 0, "axis " + axis + " of " + x + " has odd size");
        int[] out = x.shape();
        out[axis] /= 2;
        return one(x.dtype(), out);
    }
}

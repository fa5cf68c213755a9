package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/** {@code softmax} along attribute {@code axis} (default -1). */
public final class Softmax extends OpDef {
    public Softmax() { super("softmax", List.of("x"), 1, List.of("axis")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        requireFloat(x, "softmax input");
        normalizeAxis(node.attributes().integer("axis", -1), x.rank());
        return List.of(x);
    }
}

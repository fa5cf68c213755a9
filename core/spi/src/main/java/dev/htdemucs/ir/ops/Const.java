package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/** {@code const}: a constant tensor, attribute {@code value}. Weights are consts. */
public final class Const extends OpDef {
    public Const() { super("const", List.of(), 0, List.of("value")); }

    @Override protected List<TensorType> infer(Node node) {
        return List.of(node.attributes().tensor("value").type());
    }
}

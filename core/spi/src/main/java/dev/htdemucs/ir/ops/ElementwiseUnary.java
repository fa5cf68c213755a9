package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/** Shared definition of float element-wise unary ops: output type equals input type. */
abstract class ElementwiseUnary extends OpDef {
    ElementwiseUnary(String name) { super(name, List.of("x"), 1, List.of()); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        requireFloat(x, name() + " input");
        return List.of(x);
    }
}

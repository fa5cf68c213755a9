package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/** Shared definition of element-wise ops with numpy broadcasting: inputs x, y of one dtype. */
abstract class ElementwiseBinary extends OpDef {
    ElementwiseBinary(String name) { super(name, List.of("x", "y"), 2, List.of()); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0), y = type(node, 1);
        requireSameDType(x, y, name());
        return one(x.dtype(), broadcast(x.shape(), y.shape()));
    }
}

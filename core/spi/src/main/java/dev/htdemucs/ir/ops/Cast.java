package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

import dev.htdemucs.ir.DType;

/** {@code cast}: converts x to attribute {@code dtype} (fp16 rounding is round-to-nearest-even). */
public final class Cast extends OpDef {
    public Cast() { super("cast", List.of("x"), 1, List.of("dtype")); }

    @Override protected List<TensorType> infer(Node node) {
        DType to = node.attributes().dtype("dtype");
        return List.of(type(node, 0).withDType(to));
    }
}

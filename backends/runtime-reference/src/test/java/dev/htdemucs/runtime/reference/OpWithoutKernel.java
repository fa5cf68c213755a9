package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.ops.OpDef;

import java.util.List;

/** A plugin-style op (registered for tests only) that the reference runtime has no kernel for. */
public final class OpWithoutKernel extends OpDef {
    public static final String NAME = "test_only_no_kernel";

    public OpWithoutKernel() { super(NAME, List.of("x"), 1, List.of()); }

    @Override protected List<TensorType> infer(Node node) { return List.of(type(node, 0)); }
}

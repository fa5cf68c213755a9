package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;

import java.util.List;

/**
 * One IR op's translation to MIL and back. {@link #lower} emits the MIL ops for an IR node (following the
 * published MIL op definitions: op names, parameter names, types); {@link #read} turns the MIL ops this
 * class owns back into IR nodes. Ops lowered to several MIL primitives (glu, group_norm) read back as those
 * primitives and own no MIL op.
 */
public interface MilOpMapping {
    /** IR op names this class lowers. */
    List<String> irOps();

    /** MIL op types this class reads back. */
    List<String> milOps();

    void lower(Node node, LoweringContext ctx);

    void read(MilOperation op, ReadingContext ctx);

    /** The IR type of {@code v} computed in {@code dtype}. */
    static TensorType as(Value v, DType dtype) {
        return v.type().withDType(dtype);
    }
}

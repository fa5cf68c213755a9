package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOpBuilder;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;

/** What an op's lowering may do while the emitter turns an IR graph into a MIL block. */
public interface LoweringContext {
    /** The element type this node computes in: fp16 or fp32 per the effective precision plan. */
    DType computeType(Node node);

    /**
     * The MIL name holding input {@code i} of {@code node} as {@code dtype}, or null when the optional input
     * is absent. Constants become const ops (stored directly in {@code dtype}, no runtime cast); other values
     * get one cast op per value and dtype, shared by all consumers.
     */
    String input(Node node, int i, DType dtype);

    /** Whether input {@code i} is present and a constant. */
    default boolean isConstant(Node node, int i) {
        Value v = node.input(i);
        return v != null && v.isConstant();
    }

    /** A const op holding {@code value} stored as {@code dtype}, named after {@code baseName}. */
    String constant(String baseName, Tensor value, DType dtype);

    /** Parameter consts, named {@code <opName>_<param>}. */
    String ints(String opName, String param, int... values);

    String intScalar(String opName, String param, int value);

    String bool(String opName, String param, boolean value);

    String string(String opName, String param, String value);

    String floatScalar(String opName, String param, double value, DType dtype);

    /** The MIL name for output {@code i} of {@code node} (a graph output keeps the output's name). */
    String outputName(Node node, int i);

    /** A fresh name for an intermediate value of a lowering that emits several ops. */
    String tempName(String base);

    MilOpBuilder op(String type);

    /** Records that IR value {@code v} is held by MIL value {@code milName} of element type {@code dtype}. */
    void define(Value v, String milName, DType dtype);

    /**
     * Makes {@code output} an alias of {@code input} held as {@code dtype}: reuses an existing MIL value of that
     * dtype or emits one cast. This is how IR casts lower, so cast pairs never appear twice.
     */
    void alias(Value output, Value input, DType dtype);
}

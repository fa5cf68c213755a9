package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;

import java.util.List;

/**
 * What an op's reader may do while the package reader turns a MIL block back into an IR graph. Parameter
 * getters read const values and fail with a message naming the op when a parameter is missing or not const.
 */
public interface ReadingContext {
    /** The IR value bound to a tensor parameter (a const becomes an IR const node), or null when absent. */
    Value tensor(MilOperation op, String param);

    /** The IR values bound to a variadic parameter, in order. */
    List<Value> tensors(MilOperation op, String param);

    TensorType type(MilOperation op, String param);

    /** The declared type of output {@code index} of {@code op}; an error naming the op when there is no such output. */
    TensorType outputType(MilOperation op, int index);

    boolean has(MilOperation op, String param);

    int[] ints(MilOperation op, String param);

    int[] ints(MilOperation op, String param, int[] dflt);

    int intScalar(MilOperation op, String param, int dflt);

    boolean bool(MilOperation op, String param, boolean dflt);

    /** A bool vector parameter, or null when absent. */
    boolean[] bools(MilOperation op, String param);

    String string(MilOperation op, String param, String dflt);

    double real(MilOperation op, String param, double dflt);

    /**
     * The values of a const float parameter (at most 65,536 elements, such as per-channel statistics), or
     * null when absent; read without adding a node to the graph.
     */
    float[] reals(MilOperation op, String param);

    /** Adds the IR node for {@code op}: its outputs take the MIL op's output names and declared types. */
    void define(MilOperation op, String irOp, Attributes attributes, Value... inputs);

    /** An error naming the op. */
    default UnsupportedMilException unsupported(MilOperation op, String what) {
        return new UnsupportedMilException(op.where() + ": " + what);
    }
}

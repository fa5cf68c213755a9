package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;

import java.util.Arrays;
import java.util.List;

/**
 * The definition of one IR op: its name, positional inputs, attributes, and output type inference.
 * Emitters lower and runtimes execute ops under this same name.
 */
public abstract class OpDef {
    private final String name;
    private final List<String> inputNames;
    private final int requiredInputs;
    private final List<String> attributeNames;

    /**
     * @param inputNames     positional input names; a trailing "..." entry means variadic
     * @param requiredInputs how many leading inputs must be present
     */
    protected OpDef(String name, List<String> inputNames, int requiredInputs, List<String> attributeNames) {
        this.name = name;
        this.inputNames = List.copyOf(inputNames);
        this.requiredInputs = requiredInputs;
        this.attributeNames = List.copyOf(attributeNames);
    }

    public final String name() { return name; }
    public final List<String> inputNames() { return inputNames; }
    public final List<String> attributeNames() { return attributeNames; }

    /** Output types for this node's inputs and attributes; throws IllegalArgumentException when they don't fit. */
    public final List<TensorType> inferTypes(Node node) {
        boolean variadic = !inputNames.isEmpty() && inputNames.get(inputNames.size() - 1).equals("...");
        int n = node.inputs().size();
        if (n < requiredInputs) {
            throw new IllegalArgumentException("needs " + requiredInputs + " inputs " + inputNames + ", got " + n);
        }
        if (!variadic && n > inputNames.size()) {
            throw new IllegalArgumentException("takes at most " + inputNames.size() + " inputs " + inputNames + ", got " + n);
        }
        for (int i = 0; i < Math.min(n, requiredInputs); i++) {
            if (node.inputs().get(i) == null) {
                throw new IllegalArgumentException("required input '" + inputNames.get(Math.min(i, inputNames.size() - 1)) + "' is missing");
            }
        }
        for (String key : node.attributes().asMap().keySet()) {
            if (!attributeNames.contains(key)) {
                throw new IllegalArgumentException("unknown attribute '" + key + "'; " + name + " takes " + attributeNames);
            }
        }
        return infer(node);
    }

    protected abstract List<TensorType> infer(Node node);

    // ---- helpers for subclasses ----

    protected static TensorType type(Node node, int i) {
        Value v = node.input(i);
        return v == null ? null : v.type();
    }

    protected static void require(boolean condition, String message) {
        if (!condition) throw new IllegalArgumentException(message);
    }

    protected static void requireFloat(TensorType t, String what) {
        require(t.dtype().isFloatingPoint(), what + " must be floating point, got " + t);
    }

    protected static void requireSameDType(TensorType a, TensorType b, String what) {
        require(a.dtype() == b.dtype(), what + ": dtypes differ: " + a + " vs " + b);
    }

    protected static int normalizeAxis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        require(a >= 0 && a < rank, "axis " + axis + " out of range for rank " + rank);
        return a;
    }

    /** numpy broadcasting of two shapes. */
    public static int[] broadcast(int[] a, int[] b) {
        int r = Math.max(a.length, b.length);
        int[] out = new int[r];
        for (int i = 0; i < r; i++) {
            int da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            int db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    protected static List<TensorType> one(DType dtype, int... shape) { return List.of(new TensorType(dtype, shape)); }

    /**
     * Whether the op runs on the host, outside the converted network (demucs' STFT boundary): emitters refuse
     * it, and {@code extract-inner} cuts the graph there.
     */
    public boolean runsOnHost() { return false; }

    @Override public String toString() { return name + inputNames + " attrs " + attributeNames; }
}

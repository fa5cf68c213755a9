package dev.htdemucs.pytorch.checkpoint;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How Python values read from a pickle are represented in Java, and the two Python rules the reader
 * needs about them: their type names (for messages) and which values may be dict keys or set members.
 *
 * <table>
 *   <caption>Python to Java</caption>
 *   <tr><td>None</td><td>null</td></tr>
 *   <tr><td>bool</td><td>Boolean</td></tr>
 *   <tr><td>int</td><td>Long, or BigInteger beyond 64 bits</td></tr>
 *   <tr><td>float</td><td>Double</td></tr>
 *   <tr><td>str</td><td>String</td></tr>
 *   <tr><td>bytes, bytearray</td><td>byte[]</td></tr>
 *   <tr><td>tuple</td><td>{@link PyTuple} (an immutable List)</td></tr>
 *   <tr><td>list</td><td>ArrayList</td></tr>
 *   <tr><td>dict, OrderedDict</td><td>LinkedHashMap (insertion order kept)</td></tr>
 *   <tr><td>set, frozenset</td><td>LinkedHashSet, {@link PyFrozenSet} (an unmodifiable Set)</td></tr>
 *   <tr><td>fractions.Fraction</td><td>{@link Fraction}</td></tr>
 *   <tr><td>torch tensor</td><td>{@link StoredTensor}</td></tr>
 *   <tr><td>any other class / instance</td><td>{@link ClassRef} / {@link PickledObject}</td></tr>
 * </table>
 */
final class PythonValues {
    /** Python itself would recurse on deeper keys; we refuse them so hashing stays shallow. */
    static final int MAX_KEY_DEPTH = 64;

    private PythonValues() {
    }

    /** The Python type name of a value, for messages. Never walks into the value. */
    static String typeName(Object value) {
        if (value == null) return "None";
        if (value instanceof Boolean) return "bool";
        if (value instanceof Long || value instanceof BigInteger) return "int";
        if (value instanceof Double) return "float";
        if (value instanceof String) return "str";
        if (value instanceof byte[]) return "bytes";
        if (value instanceof PyTuple t) return "tuple[" + t.size() + "]";
        if (value instanceof List<?> l) return "list[" + l.size() + "]";
        if (value instanceof Map<?, ?> m) return "dict[" + m.size() + "]";
        if (value instanceof Set<?> s) return "set[" + s.size() + "]";
        if (value instanceof Fraction) return "fractions.Fraction";
        if (value instanceof StoredTensor) return "torch tensor";
        if (value instanceof TensorStorage) return "torch storage";
        if (value instanceof ClassRef c) return "global " + c;
        if (value instanceof PickledObject o) return o.classRef() + " instance";
        if (value instanceof GlobalPolicy.AllowedGlobal g) return "global " + g.qualifiedName();
        if (value instanceof TorchStorageType t) return "global " + t.qualifiedName();
        return value.getClass().getSimpleName();
    }

    /**
     * Whether a value may be a dict key or set member, and how deeply tuples and frozensets nest in it.
     * Tuples and frozensets compute theirs once, when created, from their items' (already computed) checks,
     * so checking a key never walks into it: a tuple referencing one memoized tuple twice per level, sixty
     * levels deep, would otherwise be walked 2^60 times.
     *
     * @param unhashable the first value found inside that Python could not hash (a list, dict, set ...), or
     *                   null when every item is immutable
     * @param height     1 + the height of the highest nested tuple or frozenset; 0 for scalars
     */
    record KeyCheck(Object unhashable, int height) {
        static final KeyCheck SCALAR = new KeyCheck(null, 0);

        /** Immutable all the way down, so a hash code computed once stays valid. */
        boolean immutable() {
            return unhashable == null;
        }

        /** Null when hashable, otherwise the reason; {@code kind} names the outermost container. */
        String reason(String kind) {
            if (unhashable != null) return "unhashable type " + typeName(unhashable);
            if (height > MAX_KEY_DEPTH) return kind + " key nested deeper than " + MAX_KEY_DEPTH + " levels";
            return null;
        }
    }

    /**
     * Checks a dict key or set member the way Python's {@code hash()} would: immutable scalars, class
     * references, opaque objects (hashed by identity, as Python objects are by default) and tuples and
     * frozensets of those, nested at most {@link #MAX_KEY_DEPTH} levels. Lists, dicts and sets are
     * unhashable in Python, and refusing them here also keeps Java's recursive {@code hashCode} away from
     * cycles. Constant time: see {@link KeyCheck}.
     *
     * @return null when hashable, otherwise the reason
     */
    static String unhashableReason(Object key) {
        if (key instanceof PyTuple t) return t.keyCheck().reason("tuple");
        if (key instanceof PyFrozenSet f) return f.keyCheck().reason("frozenset");
        return keyCheck(key).reason(typeName(key));
    }

    /** The check of one item: a container's own, or that of a scalar. */
    static KeyCheck keyCheck(Object item) {
        if (item == null) return KeyCheck.SCALAR;
        if (item instanceof PyTuple t) return t.keyCheck();
        if (item instanceof PyFrozenSet f) return f.keyCheck();
        if (item instanceof String || item instanceof Long || item instanceof BigInteger || item instanceof Double
                || item instanceof Boolean || item instanceof byte[] || item instanceof Fraction || item instanceof ClassRef
                || item instanceof TorchStorageType || item instanceof PickledObject) {
            return KeyCheck.SCALAR;
        }
        return new KeyCheck(item, 0);
    }

    /** The check of a new container from its items' checks: O(items), never deeper. */
    static KeyCheck containerKeyCheck(Iterable<?> items) {
        int height = 0;
        for (Object item : items) {
            KeyCheck c = keyCheck(item);
            if (!c.immutable()) return c;
            height = Math.max(height, c.height());
        }
        // saturate: only "more than MAX_KEY_DEPTH" matters
        return new KeyCheck(null, Math.min(height, MAX_KEY_DEPTH + 1) + 1);
    }
}

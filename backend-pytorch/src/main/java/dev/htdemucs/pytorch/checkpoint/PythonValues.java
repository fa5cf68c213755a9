package dev.htdemucs.pytorch.checkpoint;

import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.Deque;
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
 *   <tr><td>set, frozenset</td><td>LinkedHashSet, unmodifiable Set</td></tr>
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
     * Checks a dict key or set member the way Python's {@code hash()} would: immutable scalars, class
     * references, opaque objects (hashed by identity, as Python objects are by default) and tuples and
     * frozensets of those, nested at most {@link #MAX_KEY_DEPTH} levels. Lists, dicts and sets are unhashable in Python, and refusing them here also keeps
     * Java's recursive {@code hashCode} away from cycles.
     *
     * @return null when hashable, otherwise the reason
     */
    static String unhashableReason(Object key) {
        Deque<Object> pending = new ArrayDeque<>();
        Deque<Integer> depths = new ArrayDeque<>();
        pending.push(key == null ? Boolean.FALSE : key);
        depths.push(0);
        while (!pending.isEmpty()) {
            Object v = pending.pop();
            int depth = depths.pop();
            // frozensets are walked like tuples: a frozenset of a frozenset of ... is hashed recursively too
            boolean frozen = v instanceof Set<?> s && isFrozen(s);
            if (v instanceof PyTuple || frozen) {
                if (depth >= MAX_KEY_DEPTH) {
                    return (frozen ? "frozenset" : "tuple") + " key nested deeper than " + MAX_KEY_DEPTH + " levels";
                }
                for (Object item : (Iterable<?>) v) {
                    pending.push(item == null ? Boolean.FALSE : item);
                    depths.push(depth + 1);
                }
            } else if (!(v instanceof String || v instanceof Long || v instanceof BigInteger || v instanceof Double
                    || v instanceof Boolean || v instanceof byte[] || v instanceof Fraction || v instanceof ClassRef
                    || v instanceof TorchStorageType || v instanceof PickledObject)) {
                return "unhashable type " + typeName(v);
            }
        }
        return null;
    }

    /** Frozensets are the unmodifiable sets the reader creates; their members were checked on creation. */
    private static boolean isFrozen(Set<?> set) {
        return set.getClass() == FrozenSetClass.CLASS;
    }

    private static final class FrozenSetClass {
        static final Class<?> CLASS = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>()).getClass();
    }
}

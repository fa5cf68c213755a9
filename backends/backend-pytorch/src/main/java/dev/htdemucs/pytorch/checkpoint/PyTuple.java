package dev.htdemucs.pytorch.checkpoint;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A Python tuple: an immutable list. It is a distinct type (rather than any unmodifiable list) so the
 * reader can tell tuples, which Python may use as dict keys, from lists, which it may not.
 *
 * <p>A pickle can reference one memoized tuple many times, so a small file can describe a tuple whose
 * expansion is astronomically large (each level holding the level below twice). Hashing and comparing
 * must therefore never walk the expansion: a tuple whose contents are immutable caches its hash code,
 * and remembers tuples it was found equal to, so each distinct pair is compared element by element at
 * most once. Both keep the {@link java.util.List} contracts ({@code hashCode} is the list hash code).
 */
public final class PyTuple extends AbstractList<Object> implements RandomAccess {
    static final PyTuple EMPTY = new PyTuple(new Object[0]);

    private final Object[] items;
    private final PythonValues.KeyCheck keyCheck;
    /** The list hash code once computed (only for immutable contents); see {@link String#hashCode()} for the idiom. */
    private int hash;
    private boolean hashIsZero;
    /**
     * A tuple found equal to this one (union-find parent). Links only ever point to a tuple with a smaller
     * identity hash code, so no interleaving of threads can make a cycle; a lost update only costs a comparison.
     */
    private PyTuple sameAs;

    private PyTuple(Object[] items) {
        this.items = items;
        this.keyCheck = PythonValues.containerKeyCheck(Arrays.asList(items));
    }

    public static PyTuple of(Object... items) {
        return items.length == 0 ? EMPTY : new PyTuple(items.clone());
    }

    /** Takes ownership of the array (the caller must not keep it). */
    static PyTuple adopt(Object[] items) {
        return items.length == 0 ? EMPTY : new PyTuple(items);
    }

    PythonValues.KeyCheck keyCheck() {
        return keyCheck;
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    @Override
    public Object[] toArray() {
        return Arrays.copyOf(items, items.length);
    }

    @Override
    public int hashCode() {
        if (!keyCheck.immutable()) {
            return super.hashCode(); // holds a list or dict, whose contents may still change
        }
        int h = hash;
        if (h == 0 && !hashIsZero) {
            h = super.hashCode(); // nested immutable tuples answer from their own cache
            if (h == 0) {
                hashIsZero = true;
            } else {
                hash = h;
            }
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof PyTuple other) || !keyCheck.immutable() || !other.keyCheck.immutable()) {
            return super.equals(o);
        }
        PyTuple a = representative();
        PyTuple b = other.representative();
        if (a == b) {
            return true;
        }
        if (a.items.length != b.items.length || a.hashCode() != b.hashCode()) {
            return false;
        }
        for (int i = 0; i < a.items.length; i++) {
            if (!Objects.equals(a.items[i], b.items[i])) {
                return false;
            }
        }
        link(a, b);
        return true;
    }

    private PyTuple representative() {
        PyTuple root = this;
        for (PyTuple next = root.sameAs; next != null; next = root.sameAs) {
            root = next;
        }
        if (sameAs != null && sameAs != root) {
            sameAs = root; // path compression; root's identity hash is smaller than ours
        }
        return root;
    }

    /** Records that the roots {@code a} and {@code b} are equal. */
    private static void link(PyTuple a, PyTuple b) {
        int ha = System.identityHashCode(a);
        int hb = System.identityHashCode(b);
        if (ha > hb) {
            a.sameAs = b;
        } else if (hb > ha) {
            b.sameAs = a;
        }
        // equal identity hashes: leave both as roots rather than risk a cycle
    }
}

package dev.htdemucs.pytorch.checkpoint;

import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A Python frozenset: an unmodifiable Set in insertion order, whose members the reader checked to be
 * hashable. Like {@link PyTuple} it caches its hash code (Python caches a frozenset's hash too) and
 * remembers frozensets it was found equal to, so a frozenset shared through the memo along many levels is
 * never hashed or compared by walking its expansion. {@code hashCode} and {@code equals} keep the
 * {@link Set} contracts.
 */
final class PyFrozenSet extends AbstractSet<Object> {
    private final Set<Object> members;
    private final PythonValues.KeyCheck keyCheck;
    private int hash;
    private boolean hashIsZero;
    /** Union-find parent, as in {@link PyTuple}: links only point to a smaller identity hash code. */
    private PyFrozenSet sameAs;

    /** Takes ownership of {@code members}, which the caller must not modify afterwards. */
    PyFrozenSet(LinkedHashSet<Object> members) {
        this.members = members;
        this.keyCheck = PythonValues.containerKeyCheck(members);
    }

    PythonValues.KeyCheck keyCheck() {
        return keyCheck;
    }

    @Override
    public Iterator<Object> iterator() {
        return Collections.unmodifiableSet(members).iterator();
    }

    @Override
    public int size() {
        return members.size();
    }

    @Override
    public boolean contains(Object o) {
        return members.contains(o);
    }

    @Override
    public int hashCode() {
        if (!keyCheck.immutable()) {
            return super.hashCode();
        }
        int h = hash;
        if (h == 0 && !hashIsZero) {
            h = super.hashCode();
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
        if (!(o instanceof PyFrozenSet other) || !keyCheck.immutable() || !other.keyCheck.immutable()) {
            return super.equals(o);
        }
        PyFrozenSet a = representative();
        PyFrozenSet b = other.representative();
        if (a == b) {
            return true;
        }
        if (a.members.size() != b.members.size() || a.hashCode() != b.hashCode() || !a.members.containsAll(b.members)) {
            return false;
        }
        int ha = System.identityHashCode(a);
        int hb = System.identityHashCode(b);
        if (ha > hb) {
            a.sameAs = b;
        } else if (hb > ha) {
            b.sameAs = a;
        }
        return true;
    }

    private PyFrozenSet representative() {
        PyFrozenSet root = this;
        for (PyFrozenSet next = root.sameAs; next != null; next = root.sameAs) {
            root = next;
        }
        if (sameAs != null && sameAs != root) {
            sameAs = root;
        }
        return root;
    }
}

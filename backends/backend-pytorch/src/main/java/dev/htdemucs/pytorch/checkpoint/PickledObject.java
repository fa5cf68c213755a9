package dev.htdemucs.pytorch.checkpoint;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An instance of a class the reader does not know (e.g. an {@code argparse.Namespace} or an omegaconf node
 * inside {@code training_args}), kept as inert data: the class reference, the arguments the pickle would
 * have passed to it, the state it would have set, and items it would have appended or assigned. No Python
 * or Java code of that class runs. Equality is identity, because such objects may contain themselves.
 */
public final class PickledObject {
    private final ClassRef classRef;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private Object state;
    private final List<Object> listItems = new ArrayList<>();
    private final Map<Object, Object> dictItems = new LinkedHashMap<>();

    PickledObject(ClassRef classRef, List<Object> args, Map<String, Object> kwargs) {
        this.classRef = classRef;
        this.args = args;
        this.kwargs = kwargs;
    }

    public ClassRef classRef() {
        return classRef;
    }

    /** Positional arguments of the REDUCE / NEWOBJ that created the object. */
    public List<Object> args() {
        return Collections.unmodifiableList(args);
    }

    /** Keyword arguments (only NEWOBJ_EX has any). */
    public Map<String, Object> kwargs() {
        return Collections.unmodifiableMap(kwargs);
    }

    /** The value of the last BUILD on this object (usually its {@code __dict__}), or null. */
    public Object state() {
        return state;
    }

    /** Items appended by APPEND/APPENDS (list subclasses). */
    public List<Object> listItems() {
        return Collections.unmodifiableList(listItems);
    }

    /** Items assigned by SETITEM/SETITEMS (dict subclasses). */
    public Map<Object, Object> dictItems() {
        return Collections.unmodifiableMap(dictItems);
    }

    void setState(Object newState) {
        state = newState;
    }

    void appendItem(Object item) {
        listItems.add(item);
    }

    void putItem(Object key, Object value) {
        dictItems.put(key, value);
    }

    /** A short description that never walks into nested values (they may be cyclic or very deep). */
    @Override
    public String toString() {
        return "PickledObject(" + classRef + ", " + args.size() + " args"
                + (state == null ? "" : ", state " + PythonValues.typeName(state)) + ")";
    }
}

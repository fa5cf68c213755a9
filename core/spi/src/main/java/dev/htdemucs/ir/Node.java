package dev.htdemucs.ir;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One operation in a graph. Inputs are positional, as the op's definition names them; a missing
 * optional input is {@code null}. Outputs are created with the node, their types inferred by the op.
 */
public final class Node {
    private final String name;
    private final String op;
    private final List<Value> inputs;
    private final Attributes attributes;
    private final List<Value> outputs = new ArrayList<>();

    Node(String name, String op, List<Value> inputs, Attributes attributes) {
        this.name = name;
        this.op = op;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.attributes = attributes;
    }

    void addOutput(Value v) { outputs.add(v); }

    public String name() { return name; }
    public String op() { return op; }
    public List<Value> inputs() { return inputs; }
    /** The input at a position, or null when absent (optional input not given). */
    public Value input(int i) { return i < inputs.size() ? inputs.get(i) : null; }
    public Attributes attributes() { return attributes; }
    public List<Value> outputs() { return Collections.unmodifiableList(outputs); }
    public Value output() {
        if (outputs.size() != 1) throw new IllegalStateException("node " + name + " (" + op + ") has " + outputs.size() + " outputs");
        return outputs.get(0);
    }

    @Override public String toString() { return name + " = " + op + attributes; }
}

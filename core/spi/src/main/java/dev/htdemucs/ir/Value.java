package dev.htdemucs.ir;

/** An SSA value: produced by exactly one node (or a graph input), consumed by any number of nodes. */
public final class Value {
    private final String name;
    private final TensorType type;
    private final Node producer;

    Value(String name, TensorType type, Node producer) {
        this.name = name;
        this.type = type;
        this.producer = producer;
    }

    public String name() { return name; }
    public TensorType type() { return type; }
    /** The node that computes this value, or null for a graph input. */
    public Node producer() { return producer; }
    public boolean isGraphInput() { return producer == null; }

    /** True when produced by a {@code const} node. */
    public boolean isConstant() { return producer != null && producer.op().equals("const"); }

    /** The constant's tensor; only for {@link #isConstant()} values. */
    public Tensor constantValue() {
        if (!isConstant()) throw new IllegalStateException("value " + name + " is not a constant");
        return producer.attributes().tensor("value");
    }

    @Override public String toString() { return "%" + name + ":" + type; }
}

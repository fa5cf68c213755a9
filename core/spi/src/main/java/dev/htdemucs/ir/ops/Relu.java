package dev.htdemucs.ir.ops;

/** {@code relu}: max(x, 0). */
public final class Relu extends ElementwiseUnary {
    public Relu() { super("relu"); }
}

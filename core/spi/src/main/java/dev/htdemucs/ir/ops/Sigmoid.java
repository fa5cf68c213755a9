package dev.htdemucs.ir.ops;

/** {@code sigmoid}: 1 / (1 + exp(-x)). */
public final class Sigmoid extends ElementwiseUnary {
    public Sigmoid() { super("sigmoid"); }
}

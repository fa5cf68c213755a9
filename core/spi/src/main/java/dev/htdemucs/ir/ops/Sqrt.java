package dev.htdemucs.ir.ops;

/** {@code sqrt}: square root. */
public final class Sqrt extends ElementwiseUnary {
    public Sqrt() { super("sqrt"); }
}

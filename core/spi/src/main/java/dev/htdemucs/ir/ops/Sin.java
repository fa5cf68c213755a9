package dev.htdemucs.ir.ops;

/** {@code sin}: sine of x in radians. */
public final class Sin extends ElementwiseUnary {
    public Sin() { super("sin"); }
}

package dev.htdemucs.ir.ops;

/** {@code cos}: cosine of x in radians. */
public final class Cos extends ElementwiseUnary {
    public Cos() { super("cos"); }
}

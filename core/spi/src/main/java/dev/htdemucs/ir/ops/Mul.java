package dev.htdemucs.ir.ops;

/** {@code mul}: x · y, element-wise with broadcasting. */
public final class Mul extends ElementwiseBinary {
    public Mul() { super("mul"); }
}

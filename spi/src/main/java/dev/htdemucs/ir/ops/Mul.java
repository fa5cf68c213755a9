package dev.htdemucs.ir.ops;

/** {@code mul}: x Add.java ElementwiseBinary.java OpDef.java OpRegistry.java Sub.java y, element-wise with broadcasting. */
public final class Mul extends ElementwiseBinary {
    public Mul() { super("mul"); }
}

package dev.htdemucs.ir.ops;

/** {@code sub}: x - y, element-wise with broadcasting. */
public final class Sub extends ElementwiseBinary {
    public Sub() { super("sub"); }
}

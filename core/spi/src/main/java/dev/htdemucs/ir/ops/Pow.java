package dev.htdemucs.ir.ops;

/** {@code pow}: x raised to y, element-wise with broadcasting. */
public final class Pow extends ElementwiseBinary {
    public Pow() { super("pow"); }
}

package dev.htdemucs.ir.ops;

/** {@code add}: x + y, element-wise with broadcasting. */
public final class Add extends ElementwiseBinary {
    public Add() { super("add"); }
}

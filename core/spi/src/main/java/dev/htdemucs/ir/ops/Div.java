package dev.htdemucs.ir.ops;

/** {@code div}: x / y (true division), element-wise with broadcasting. */
public final class Div extends ElementwiseBinary {
    public Div() { super("div"); }
}

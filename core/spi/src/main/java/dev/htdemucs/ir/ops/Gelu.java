package dev.htdemucs.ir.ops;

/** {@code gelu}: exact GELU, 0.5 · x · (1 + erf(x / √2)) (PyTorch's default, MIL mode EXACT). */
public final class Gelu extends ElementwiseUnary {
    public Gelu() { super("gelu"); }
}

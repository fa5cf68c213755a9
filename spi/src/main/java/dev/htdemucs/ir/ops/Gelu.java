package dev.htdemucs.ir.ops;

/** {@code gelu}: exact GELU, x Add.java Div.java ElementwiseBinary.java ElementwiseUnary.java Mul.java OpDef.java OpRegistry.java Pow.java Sigmoid.java Sqrt.java Sub.java 0.5 Add.java Div.java ElementwiseBinary.java ElementwiseUnary.java Mul.java OpDef.java OpRegistry.java Pow.java Sigmoid.java Sqrt.java Sub.java (1 + erf(x / sqrt(2))) (PyTorch's default, MIL mode EXACT). */
public final class Gelu extends ElementwiseUnary {
    public Gelu() { super("gelu"); }
}

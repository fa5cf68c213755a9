package dev.htdemucs.ir.ops;

/** {@code reduce_sum}: sum over attribute {@code axes}; {@code keep_dims} keeps them as size 1. */
public final class ReduceSum extends Reduction {
    public ReduceSum() { super("reduce_sum"); }
}

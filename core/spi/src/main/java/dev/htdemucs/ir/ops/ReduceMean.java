package dev.htdemucs.ir.ops;

/** {@code reduce_mean}: mean over attribute {@code axes}; {@code keep_dims} keeps them as size 1. */
public final class ReduceMean extends Reduction {
    public ReduceMean() { super("reduce_mean"); }
}

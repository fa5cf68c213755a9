package dev.htdemucs.runtime.reference.kernel;

/** {@code reduce_sum}: sum over the axes, accumulated in double. */
public final class ReduceSumKernel extends ReductionKernel {
    @Override public String op() { return "reduce_sum"; }

    @Override protected double finish(double sum, long count) { return sum; }
}

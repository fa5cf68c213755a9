package dev.htdemucs.runtime.reference.kernel;

/** {@code reduce_mean}: mean over the axes, accumulated in double. */
public final class ReduceMeanKernel extends ReductionKernel {
    @Override public String op() { return "reduce_mean"; }

    @Override protected double finish(double sum, long count) { return sum / count; }
}

/**
 * How each IR op is computed by the reference runtime: {@code <Op>Kernel} classes named after the op
 * (the op's semantics are the javadoc of its class in {@code dev.htdemucs.ir.ops}), looked up by op name
 * in {@link dev.htdemucs.runtime.reference.kernel.KernelTable}.
 *
 * <p>Data are C-ordered {@code float[]} on the heap ({@link dev.htdemucs.runtime.reference.kernel.FloatTensor}).
 * Conventions shared by all kernels: inputs are never modified; arithmetic is float32, with sums of many
 * terms outside matrix products (reductions, normalisation statistics, softmax denominators) and
 * transcendental functions in double; work is split into coarse tasks on the session's
 * {@link dev.htdemucs.runtime.reference.kernel.Parallel} threads such that results do not depend on the
 * number of threads.
 */
package dev.htdemucs.runtime.reference.kernel;

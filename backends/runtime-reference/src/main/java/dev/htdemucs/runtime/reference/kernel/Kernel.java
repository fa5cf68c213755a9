package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/**
 * How the reference runtime executes one IR op (see the op's class in {@code dev.htdemucs.ir.ops} for its
 * semantics). Implementations are stateless and thread-safe; the class of op {@code foo_bar} is
 * {@code FooBarKernel}.
 *
 * <p>Contract: {@code inputs} are positional as the op defines them ({@code null} for an absent optional
 * input); they are never modified. The result has one tensor per node output, shaped as the node declares.
 * Outputs are fresh arrays, except that a pure view ({@code reshape}) may share its input's array.
 * Values are computed in float32 (or double where noted); rounding to a narrower declared dtype is the
 * caller's job.
 */
public interface Kernel {
    /** The IR op name this kernel executes. */
    String op();

    FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel);
}

package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Node;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.runtime.reference.kernel.Kernel;
import dev.htdemucs.runtime.reference.kernel.Parallel;

/**
 * Sees each node a {@link ReferenceSession} run executes, in graph order, for analyses that need every
 * intermediate value but cannot afford to keep them all (e.g. how much error fp16 storage would add at
 * each op). Called on the thread that called {@code run}.
 */
@FunctionalInterface
public interface StepObserver {
    void executed(ExecutedStep step);

    /**
     * One executed node: the operands its kernel read ({@code null} for an absent optional input; already
     * fp16 when the node computes in fp16, as the graph declares) and the outputs the session stored. Both are
     * read-only and valid only during the call.
     */
    record ExecutedStep(Node node, FloatTensor[] inputs, FloatTensor[] outputs, boolean fp16, Kernel kernel, Parallel parallel) {
        /** Runs the node's kernel again on other operands (same types and shapes), e.g. perturbed ones. */
        public FloatTensor[] execute(FloatTensor[] operands) {
            return kernel.execute(node, operands, parallel);
        }
    }
}

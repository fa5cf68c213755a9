package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/** {@code reshape}: a view; the data is shared, only the shape (the node's declared one) changes. */
public final class ReshapeKernel implements Kernel {
    @Override public String op() { return "reshape"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        return new FloatTensor[] {inputs[0].reshape(node.output().type().shape())};
    }
}

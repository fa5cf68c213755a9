package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/** {@code const}: the attribute tensor converted to floats (the session does this once and keeps it). */
public final class ConstKernel implements Kernel {
    @Override public String op() { return "const"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        return new FloatTensor[] {FloatTensor.of(node.attributes().tensor("value"))};
    }
}

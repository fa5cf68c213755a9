package dev.htdemucs.pytorch.djl;

import java.util.List;

/**
 * The tensor parameters and result count of a TorchScript module's {@code forward}, as written in the
 * archive's code, e.g. {@code forward(self, mix: Tensor, spec: Tensor) -> Tuple[Tensor, Tensor]} gives
 * inputs {@code [mix, spec]} and 2 outputs. Parameter names survive tracing; result names do not exist.
 *
 * @param inputs  parameter names after {@code self}, in order (every parameter is a {@code Tensor})
 * @param outputs number of tensors returned: 1 for {@code Tensor}, n for a {@code Tuple} of n tensors
 */
record TorchScriptSignature(List<String> inputs, int outputs) {
    TorchScriptSignature {
        inputs = List.copyOf(inputs);
        if (outputs < 1) {
            throw new IllegalArgumentException("a forward returns at least one tensor, got " + outputs);
        }
    }

    @Override public String toString() {
        return "forward(" + String.join(", ", inputs) + ") -> " + outputs + (outputs == 1 ? " tensor" : " tensors");
    }
}

package dev.htdemucs.coreml.ops;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/** Adds a non-constant per-channel bias [C] to a conv result [N, C, *S] (MIL convs take constant biases only). */
final class ChannelBias {
    private ChannelBias() {}

    static void add(LoweringContext ctx, Node node, String convOut, String out, DType d) {
        TensorType y = node.output().type();
        int[] shape = new int[y.rank() - 1];
        java.util.Arrays.fill(shape, 1);
        shape[0] = y.dim(1);
        String reshaped = ctx.tempName(out + "_bias");
        ctx.op("reshape").in("x", ctx.input(node, 2, d)).in("shape", ctx.ints(reshaped, "shape", shape))
                .out(reshaped, new TensorType(d, shape)).emit();
        ctx.op("add").in("x", convOut).in("y", reshaped).out(out, y.withDType(d)).emit();
    }
}

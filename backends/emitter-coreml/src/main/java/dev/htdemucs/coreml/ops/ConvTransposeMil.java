package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;

import java.util.Arrays;
import java.util.List;

/**
 * IR conv_transpose ↔ MIL conv_transpose (iOS15/17 conv.py). The MIL weight layout is
 * [Cin, Cout/groups, *K] (type inference: C_out = weight.shape[1] * groups) — the same as PyTorch's and the
 * IR's, so the weight is stored untransposed (coremltools' torch frontend passes it through as well).
 * pad_type "custom" + pad crops the full output like the IR pads; no output_shape is written.
 */
public final class ConvTransposeMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("conv_transpose"); }
    @Override public List<String> milOps() { return List.of("conv_transpose"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        ConvolutionParams p = ConvolutionParams.of(node);
        Value bias = node.input(2);
        boolean biasAfter = bias != null && !bias.isConstant();
        String out = ctx.outputName(node, 0);
        String convOut = biasAfter ? ctx.tempName(out + "_nobias") : out;
        ctx.op("conv_transpose")
                .in("x", ctx.input(node, 0, d))
                .in("weight", ctx.input(node, 1, d))
                .in("bias", biasAfter ? null : ctx.input(node, 2, d))
                .in("pad", ctx.ints(convOut, "pad", p.pads()))
                .in("pad_type", ctx.string(convOut, "pad_type", "custom"))
                .in("strides", ctx.ints(convOut, "strides", p.strides()))
                .in("dilations", ctx.ints(convOut, "dilations", p.dilations()))
                .in("groups", ctx.intScalar(convOut, "groups", p.groups()))
                .out(convOut, MilOpMapping.as(node.output(), d)).emit();
        if (biasAfter) ChannelBias.add(ctx, node, convOut, out, d);
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        TensorType x = ctx.type(op, "x");
        TensorType w = ctx.type(op, "weight");
        if (x.rank() < 3 || w.rank() != x.rank()) {
            throw ctx.unsupported(op, "x is " + x + " and weight " + w + ", expected [N, C, spatial...] and a weight of the same rank");
        }
        int spatial = x.rank() - 2;
        int[] ones = new int[spatial];
        Arrays.fill(ones, 1);
        ConvolutionParams p = new ConvolutionParams(ctx.ints(op, "strides", ones), ConvMil.pads(op, ctx, spatial),
                ctx.ints(op, "dilations", ones), ctx.intScalar(op, "groups", 1)).requireSpatial(op, ctx, spatial);
        if (ctx.has(op, "output_shape")) {
            int[] given = ctx.ints(op, "output_shape");
            int[] computed = new int[x.rank()];
            computed[0] = x.dim(0);
            computed[1] = w.dim(1) * p.groups();
            for (int i = 0; i < spatial; i++) {
                computed[2 + i] = (x.dim(2 + i) - 1) * p.strides()[i] + p.dilations()[i] * (w.dim(2 + i) - 1) + 1
                        - p.pads()[2 * i] - p.pads()[2 * i + 1];
            }
            if (!Arrays.equals(given, computed)) {
                throw ctx.unsupported(op, "output_shape " + Arrays.toString(given) + " differs from the shape the pads give "
                        + Arrays.toString(computed) + "; the IR has no output_shape");
            }
        }
        ctx.define(op, "conv_transpose", p.attributes(), ctx.tensor(op, "x"), ctx.tensor(op, "weight"), ctx.tensor(op, "bias"));
    }
}

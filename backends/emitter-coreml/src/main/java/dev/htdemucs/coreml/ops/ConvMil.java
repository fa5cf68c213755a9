package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;

import java.util.Arrays;
import java.util.List;

/**
 * IR conv ↔ MIL conv (iOS15/17 conv.py): x [N, Cin, *S], weight [Cout, Cin/groups, *K] (the PyTorch layout),
 * bias [Cout] (must be const in MIL), strides, pad_type "custom" + pad [begin, end per spatial axis],
 * dilations, groups. A non-constant bias is added after the conv.
 */
public final class ConvMil implements MilOpMapping {
    @Override public List<String> irOps() { return List.of("conv"); }
    @Override public List<String> milOps() { return List.of("conv"); }

    @Override public void lower(Node node, LoweringContext ctx) {
        DType d = ctx.computeType(node);
        ConvolutionParams p = ConvolutionParams.of(node);
        if (!ctx.isConstant(node, 1) && Arrays.stream(p.dilations()).anyMatch(x -> x != 1)) {
            throw new IllegalArgumentException("MIL conv supports dilations only with a constant weight");
        }
        Value bias = node.input(2);
        boolean biasAfter = bias != null && !bias.isConstant();
        String out = ctx.outputName(node, 0);
        String convOut = biasAfter ? ctx.tempName(out + "_nobias") : out;
        ctx.op("conv")
                .in("x", ctx.input(node, 0, d))
                .in("weight", ctx.input(node, 1, d))
                .in("bias", biasAfter ? null : ctx.input(node, 2, d))
                .in("strides", ctx.ints(convOut, "strides", p.strides()))
                .in("pad_type", ctx.string(convOut, "pad_type", "custom"))
                .in("pad", ctx.ints(convOut, "pad", p.pads()))
                .in("dilations", ctx.ints(convOut, "dilations", p.dilations()))
                .in("groups", ctx.intScalar(convOut, "groups", p.groups()))
                .out(convOut, MilOpMapping.as(node.output(), d)).emit();
        if (biasAfter) ChannelBias.add(ctx, node, convOut, out, d);
        ctx.define(node.output(), out, d);
    }

    @Override public void read(MilOperation op, ReadingContext ctx) {
        TensorType x = ctx.type(op, "x");
        if (x.rank() < 3) throw ctx.unsupported(op, "x is " + x + ", expected [N, C, spatial...]");
        int spatial = x.rank() - 2;
        int[] ones = new int[spatial];
        Arrays.fill(ones, 1);
        ConvolutionParams p = new ConvolutionParams(ctx.ints(op, "strides", ones), pads(op, ctx, spatial),
                ctx.ints(op, "dilations", ones), ctx.intScalar(op, "groups", 1));
        ctx.define(op, "conv", p.attributes(), ctx.tensor(op, "x"), ctx.tensor(op, "weight"), ctx.tensor(op, "bias"));
    }

    /** pad for pad_type custom, zeros for valid; same/same_lower have no fixed IR equivalent. */
    static int[] pads(MilOperation op, ReadingContext ctx, int spatial) {
        String padType = ctx.string(op, "pad_type", "valid");
        return switch (padType) {
            case "valid" -> new int[2 * spatial];
            case "custom" -> ctx.ints(op, "pad", new int[2 * spatial]);
            default -> throw ctx.unsupported(op, "pad_type '" + padType + "' is not supported (only valid and custom)");
        };
    }
}

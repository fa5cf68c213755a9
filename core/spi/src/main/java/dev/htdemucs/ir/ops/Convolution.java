package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.List;

/**
 * The attributes of {@link Conv} and {@link ConvTranspose} — strides, pads ([begin, end] per spatial axis),
 * dilations, groups — with their defaults, in one place for every emitter and kernel.
 */
public final class Convolution {
    private Convolution() {}

    public record Params(int[] strides, int[] pads, int[] dilations, int groups) {}

    /** The parameters of a conv or conv_transpose node, defaults filled in and checked. */
    public static Params params(Node node) {
        return params(node, node.input(1).type().rank() - 2);
    }

    static Params params(Node node, int spatial) {
        var a = node.attributes();
        int[] ones = new int[spatial];
        java.util.Arrays.fill(ones, 1);
        int[] strides = a.ints("strides", ones);
        int[] dilations = a.ints("dilations", ones);
        int[] pads = a.ints("pads", new int[2 * spatial]);
        int groups = a.integer("groups", 1);
        OpDef.require(strides.length == spatial, "strides needs " + spatial + " values");
        OpDef.require(dilations.length == spatial, "dilations needs " + spatial + " values");
        OpDef.require(pads.length == 2 * spatial, "pads needs " + 2 * spatial + " values [begin, end] per spatial axis");
        OpDef.require(groups >= 1, "groups must be >= 1");
        for (int i = 0; i < spatial; i++) {
            OpDef.require(strides[i] >= 1 && dilations[i] >= 1, "strides and dilations must be >= 1");
            OpDef.require(pads[2 * i] >= 0 && pads[2 * i + 1] >= 0, "pads must be >= 0");
        }
        return new Params(strides, pads, dilations, groups);
    }

    static int spatialRank(TensorType x) {
        OpDef.require(x.rank() == 3 || x.rank() == 4, "input must be [N, C, L] or [N, C, H, W], got " + x);
        return x.rank() - 2;
    }
}

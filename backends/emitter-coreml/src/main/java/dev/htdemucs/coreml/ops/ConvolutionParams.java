package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.ops.Convolution;

import java.util.Arrays;

/** strides / pads / dilations / groups of a conv or conv_transpose: of an IR node ({@link Convolution#params}), or read from MIL. */
record ConvolutionParams(int[] strides, int[] pads, int[] dilations, int groups) {
    /** A node's parameters, as the IR defines them ({@link Convolution#params}). */
    static ConvolutionParams of(Node node) {
        Convolution.Params p = Convolution.params(node);
        return new ConvolutionParams(p.strides(), p.pads(), p.dilations(), p.groups());
    }

    /**
     * For readers, before anything indexes these vectors by spatial axis: one stride and dilation per
     * spatial axis and two pads, as the file may say otherwise.
     */
    ConvolutionParams requireSpatial(MilOperation op, ReadingContext ctx, int spatial) {
        if (strides.length != spatial || dilations.length != spatial || pads.length != 2 * spatial) {
            throw ctx.unsupported(op, "strides " + Arrays.toString(strides) + ", dilations " + Arrays.toString(dilations)
                    + " and pads " + Arrays.toString(pads) + " do not fit " + spatial + " spatial axes");
        }
        return this;
    }

    Attributes attributes() {
        return Attributes.of("strides", strides, "pads", pads, "dilations", dilations, "groups", groups);
    }
}

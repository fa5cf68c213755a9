package dev.htdemucs.coreml.ops;

import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.ir.Attributes;

import java.util.Arrays;

/** strides / pads / dilations / groups of an IR conv or conv_transpose, with the IR's defaults filled in. */
record ConvolutionParams(int[] strides, int[] pads, int[] dilations, int groups) {
    static ConvolutionParams of(Attributes a, int spatial) {
        int[] ones = new int[spatial];
        Arrays.fill(ones, 1);
        return new ConvolutionParams(a.ints("strides", ones), a.ints("pads", new int[2 * spatial]),
                a.ints("dilations", ones), a.integer("groups", 1));
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

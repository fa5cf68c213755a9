package dev.htdemucs.coreml.ops;

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

    Attributes attributes() {
        return Attributes.of("strides", strides, "pads", pads, "dilations", dilations, "groups", groups);
    }
}

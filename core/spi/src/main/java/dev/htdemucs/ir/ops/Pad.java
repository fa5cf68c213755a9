package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

import java.util.Arrays;
import java.util.List;

/**
 * {@code pad}: pads every axis by pads[2i] before and pads[2i+1] after. Attribute {@code mode}:
 * "constant" (default; fill {@code value}, default 0) or "reflect" (mirror without repeating the edge,
 * pads smaller than the axis).
 */
public final class Pad extends OpDef {
    public Pad() { super("pad", List.of("x"), 1, List.of("pads", "mode", "value")); }

    @Override protected List<TensorType> infer(Node node) {
        TensorType x = type(node, 0);
        int[] pads = node.attributes().ints("pads");
        String mode = node.attributes().string("mode", "constant");
        require(mode.equals("constant") || mode.equals("reflect"), "mode must be constant or reflect, got " + mode);
        require(pads.length == 2 * x.rank(), "pads needs " + 2 * x.rank() + " entries [begin, end] per axis, got " + pads.length);
        int[] out = x.shape();
        for (int i = 0; i < out.length; i++) {
            require(pads[2 * i] >= 0 && pads[2 * i + 1] >= 0, "pads must be >= 0: " + Arrays.toString(pads));
            if (mode.equals("reflect")) {
                require(pads[2 * i] < x.dim(i) && pads[2 * i + 1] < x.dim(i), "reflect pad on axis " + i + " must be smaller than its size " + x.dim(i));
            }
            out[i] += pads[2 * i] + pads[2 * i + 1];
        }
        return one(x.dtype(), out);
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;

/**
 * {@code pad}: every output coordinate maps, axis by axis, to an input coordinate (reflect: mirrored
 * without repeating the edge) or to nothing (constant: the fill value).
 */
public final class PadKernel implements Kernel {
    @Override public String op() { return "pad"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int[] pads = node.attributes().ints("pads");
        boolean reflect = node.attributes().string("mode", "constant").equals("reflect");
        float fill = (float) node.attributes().real("value", 0.0);
        int[] inShape = x.shape();
        int rank = inShape.length;
        TensorType type = node.output().type();
        int[] outShape = type.shape();
        int[] inStrides = Strides.of(inShape);
        // sources[a][i]: input offset contribution of output coordinate i on axis a, or -1 for fill.
        int[][] sources = new int[rank][];
        for (int a = 0; a < rank; a++) {
            sources[a] = new int[outShape[a]];
            for (int i = 0; i < outShape[a]; i++) {
                int j = i - pads[2 * a];
                if (reflect) {
                    if (j < 0) j = -j;
                    if (j >= inShape[a]) j = 2 * (inShape[a] - 1) - j;
                }
                sources[a][i] = j >= 0 && j < inShape[a] ? j * inStrides[a] : -1;
            }
        }
        float[] in = x.data();
        float[] out = new float[Math.toIntExact(type.numel())];
        if (out.length == 0) return new FloatTensor[] {new FloatTensor(type.dtype(), outShape, out)};
        int inner = rank == 0 ? 1 : outShape[rank - 1];
        int rows = inner == 0 ? 0 : out.length / inner;
        int[] last = rank == 0 ? new int[] {0} : sources[rank - 1];
        parallel.forChunks(rows, Math.max(1, 16384 / Math.max(1, inner)), (from, to) -> {
            for (int r = from; r < to; r++) {
                int base = 0;
                int rest = r;
                for (int a = rank - 2; a >= 0 && base >= 0; a--) {
                    int s = sources[a][rest % outShape[a]];
                    rest /= outShape[a];
                    base = s < 0 ? -1 : base + s;
                }
                int o = r * inner;
                if (base < 0) {
                    java.util.Arrays.fill(out, o, o + inner, fill);
                } else {
                    for (int i = 0; i < inner; i++) {
                        int s = last[i];
                        out[o + i] = s < 0 ? fill : in[base + s];
                    }
                }
            }
        });
        return new FloatTensor[] {new FloatTensor(type.dtype(), outShape, out)};
    }
}

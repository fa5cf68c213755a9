package dev.htdemucs.examples;

import dev.htdemucs.ir.Node;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.runtime.reference.kernel.Kernel;
import dev.htdemucs.runtime.reference.kernel.Parallel;

/**
 * How the reference runtime computes {@link LayerScale}: one float32 product per element, x · scale[c], the
 * same product the {@code mul} kernel computes for {@code x · scale[:, None]}, so replacing that mul by
 * {@code layer_scale} changes no bit. Chunks of the flat array are spread over the session's threads.
 * Registered in {@code META-INF/services/dev.htdemucs.runtime.reference.kernel.Kernel}.
 */
public final class LayerScaleKernel implements Kernel {
    @Override public String op() { return LayerScale.NAME; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        float[] in = x.data(), scale = inputs[1].data(), out = new float[in.length];
        int channels = x.dim(1);
        int inner = x.dim(0) * channels == 0 ? 1 : in.length / (x.dim(0) * channels); // elements per (n, c)
        parallel.forChunks(in.length, 1 << 14, (from, to) -> {
            for (int row = from / inner, i = from; i < to; row++) {
                float s = scale[row % channels];
                for (int end = Math.min(to, (row + 1) * inner); i < end; i++) out[i] = in[i] * s;
            }
        });
        return new FloatTensor[] {x.withData(out)};
    }
}

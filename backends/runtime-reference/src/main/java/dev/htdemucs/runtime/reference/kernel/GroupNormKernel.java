package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;

/**
 * {@code group_norm} as torch.nn.GroupNorm: for each sample and group, mean and biased variance over the
 * group's channels and all trailing axes (double, two passes); then per-channel γ, β. Groups run in
 * parallel; when there are fewer groups than threads (demucs' GroupNorm(1, C)), each is split instead.
 * In fp16 the op stores what it defines ({@code GroupNorm}): the normalised value, with epsilon held in fp16,
 * then the value scaled by γ, each in fp16, before β is added.
 */
public final class GroupNormKernel implements Kernel {
    @Override public String op() { return "group_norm"; }

    @Override public FloatTensor[] execute(Node node, FloatTensor[] inputs, Parallel parallel) {
        FloatTensor x = inputs[0];
        int groups = node.attributes().integer("num_groups");
        double eps = node.attributes().real("epsilon", 1e-5);
        int n = x.dim(0), channels = x.dim(1);
        int spatial = Strides.product(x.shape(), 2, x.rank());
        int perGroup = channels / groups;
        int size = perGroup * spatial;
        float[] in = x.data(), out = new float[in.length];
        float[] gamma = inputs.length > 1 && inputs[1] != null ? inputs[1].data() : null;
        float[] beta = inputs.length > 2 && inputs[2] != null ? inputs[2].data() : null;
        boolean fp16 = node.output().type().dtype() == DType.FLOAT16;
        double epsilon = fp16 ? Float16.round((float) eps) : eps;
        float[] g = fp16 ? null : gamma, b = fp16 ? null : beta;
        if (n * groups >= 2 * parallel.threads()) {
            Parallel inline = Parallel.sequential();
            parallel.forEach(n * groups, task -> Normalization.normalize(inline, in, out, task * size, size, epsilon,
                    g, b, (task % groups) * perGroup, spatial));
        } else {
            for (int task = 0; task < n * groups; task++) {
                Normalization.normalize(parallel, in, out, task * size, size, epsilon, g, b, (task % groups) * perGroup, spatial);
            }
        }
        if (fp16) affineInFp16(parallel, out, gamma, beta, channels, spatial);
        return new FloatTensor[] {x.withData(out)};
    }

    /** v → fp16(fp16(fp16(v)·γ[c]) + β[c]) per channel c; the last rounding is the session's. */
    private static void affineInFp16(Parallel parallel, float[] v, float[] gamma, float[] beta, int channels, int spatial) {
        parallel.forChunks(v.length, 1 << 16, (from, to) -> {
            for (int i = from; i < to; i++) {
                int c = (i / spatial) % channels;
                float y = Float16.round(v[i]);
                if (gamma != null) y = Float16.round(y * gamma[c]);
                if (beta != null) y = y + beta[c];
                v[i] = y;
            }
        });
    }
}

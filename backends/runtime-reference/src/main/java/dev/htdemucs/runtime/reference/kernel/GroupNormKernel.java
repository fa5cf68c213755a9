package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.Node;

/**
 * {@code group_norm} as torch.nn.GroupNorm: for each sample and group, mean and biased variance over the
 * group's channels and all trailing axes (double, two passes); then per-channel γ, β. Groups run in
 * parallel; when there are fewer groups than threads (demucs' GroupNorm(1, C)), each is split instead.
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
        if (n * groups >= 2 * parallel.threads()) {
            Parallel inline = Parallel.sequential();
            parallel.forEach(n * groups, task -> Normalization.normalize(inline, in, out, task * size, size, eps,
                    gamma, beta, (task % groups) * perGroup, spatial));
        } else {
            for (int task = 0; task < n * groups; task++) {
                Normalization.normalize(parallel, in, out, task * size, size, eps, gamma, beta, (task % groups) * perGroup, spatial);
            }
        }
        return new FloatTensor[] {x.withData(out)};
    }
}

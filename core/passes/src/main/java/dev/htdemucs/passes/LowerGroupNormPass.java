package dev.htdemucs.passes;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;

import java.util.Arrays;
import java.util.List;

/**
 * Lowers {@code group_norm} to primitives, for targets without a group-norm op:
 * x [N, C, *] is reshaped to [N, G, C/G · ∏*], normalised over its last axis with the biased variance
 * ({@code (x - mean) / sqrt(var + eps)}), reshaped back, then scaled by gamma and shifted by beta
 * broadcast as [C, 1, ...]. The last node keeps the group_norm's name.
 */
public final class LowerGroupNormPass implements GraphPass {
    public static final String NAME = "lower-group-norm";

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "rewrite group_norm as reshape/reduce_mean/sub/mul/add/sqrt/div/mul/add";
    }

    @Override
    public LoadedModel apply(LoadedModel model, Options options) {
        Graph lowered = GraphRewriter.rewrite(model.graph(), (node, rw) -> node.op().equals("group_norm") ? lower(node, rw) : null);
        return lowered == model.graph() ? model : model.withGraph(lowered);
    }

    private static List<Value> lower(Node node, GraphRewriter rw) {
        GraphBuilder g = rw.builder();
        String p = node.name();
        Value x = rw.get(node.input(0));
        Value gamma = rw.get(node.input(1));
        Value beta = rw.get(node.input(2));
        int groups = node.attributes().integer("num_groups");
        double eps = node.attributes().real("epsilon", 1e-5);
        int[] shape = x.type().shape();
        boolean affine = gamma != null || beta != null;

        Value grouped = g.op("reshape", p + "/group", Attributes.of("shape", new int[]{shape[0], groups, -1}), x);
        Attributes lastAxis = Attributes.of("axes", new int[]{2}, "keep_dims", true);
        Value mean = g.op("reduce_mean", p + "/mean", lastAxis, grouped);
        Value centered = g.op("sub", p + "/centered", null, grouped, mean);
        Value squares = g.op("mul", p + "/squares", null, centered, centered);
        Value variance = g.op("reduce_mean", p + "/variance", lastAxis, squares);
        Value epsilon = g.constant(p + "/epsilon", scalarLike(x, eps));
        Value shifted = g.op("add", p + "/variance_eps", null, variance, epsilon);
        Value std = g.op("sqrt", p + "/std", null, shifted);
        Value normalized = g.op("div", p + "/normalized", null, centered, std);
        Value y = g.op("reshape", affine ? p + "/ungroup" : p, Attributes.of("shape", shape), normalized);

        // gamma and beta are [C]; against [N, C, *] they broadcast as [C, 1, ..., 1]
        int[] channelShape = new int[shape.length - 1];
        Arrays.fill(channelShape, 1);
        channelShape[0] = shape[1];
        if (gamma != null) {
            Value g2 = g.op("reshape", p + "/gamma", Attributes.of("shape", channelShape), gamma);
            y = g.op("mul", beta != null ? p + "/scaled" : p, null, y, g2);
        }
        if (beta != null) {
            Value b2 = g.op("reshape", p + "/beta", Attributes.of("shape", channelShape), beta);
            y = g.op("add", p, null, y, b2);
        }
        return List.of(y);
    }

    /** A rank-0 constant of x's floating dtype. */
    static Tensor scalarLike(Value x, double v) {
        return Tensor.scalar((float) v).to(x.type().dtype());
    }
}

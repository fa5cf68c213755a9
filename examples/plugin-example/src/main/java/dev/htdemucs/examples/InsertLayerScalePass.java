package dev.htdemucs.examples;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.passes.GraphRewriter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces each per-channel scale of a channels-first activation — {@code mul(x, s)} with x {@code [N, C, *]}
 * of rank 3 to 5 and s a constant that varies along axis 1 only ({@code [C, 1]} after numpy's right alignment,
 * as demucs' {@code LayerScale} writes {@code scale[:, None] * x}) — by the plugin op
 * {@code layer_scale(x, s')} with {@code s'} the same numbers as a 1-D {@code [C]} constant. The node keeps
 * the mul's name; the scale constant keeps its name when nothing else reads the old one.
 *
 * <p>Rank 3 to 5 because that is what {@link LayerScaleMil}'s MIL {@code batch_norm} takes. In HTDemucs
 * these are DConv's LayerScales ({@code ...dconv.layers.N.6}, {@code [B, C, T]}): 32 in tiny6. The
 * cross-transformer's LayerScales scale the last axis and stay muls ({@code fold-layer-scale} folds them).
 *
 * <p>The new graph's ops are the source graph's plus {@link LayerScale} ({@code graph.ops().with(...)}), so
 * later passes copy the op along and validators know it.
 */
public final class InsertLayerScalePass implements GraphPass {
    public static final String NAME = "insert-layer-scale";

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "replace DConv's LayerScale (mul of [N,C,T] by a per-channel constant) by the plugin op layer_scale (MIL batch_norm)";
    }

    @Override public LoadedModel apply(LoadedModel model, Options options) {
        Graph g = insert(model.graph());
        return g == model.graph() ? model : model.withGraph(g);
    }

    /** The rewritten graph, or {@code graph} itself when no mul matches. */
    public static Graph insert(Graph graph) {
        Map<Node, Value> scaleOf = new HashMap<>(); // matched mul → its constant operand
        for (Node n : graph.nodes()) {
            Value s = channelScale(n);
            if (s != null) scaleOf.put(n, s);
        }
        if (scaleOf.isEmpty()) return graph;

        Map<Value, List<Node>> uses = graph.consumers();
        Set<Value> graphOutputs = new HashSet<>(graph.outputs().values());
        GraphRewriter rw = new GraphRewriter(graph, graph.ops().with(new LayerScale()));
        rw.copyInputs();
        Map<Value, Value> channelVectors = new HashMap<>(); // old scale constant → its [C] copy
        for (Node node : graph.nodes()) {
            Value s = scaleOf.get(node);
            if (s != null) {
                Value x = node.input(0) == s ? node.input(1) : node.input(0);
                Value vector = channelVectors.computeIfAbsent(s, old -> rw.builder().constant(old.producer().name(),
                        old.constantValue().reshape(x.type().dim(1))));
                rw.map(node.output(), rw.builder().op(LayerScale.NAME, node.name(), null, rw.get(x), vector));
            } else if (!node.op().equals("const") || graphOutputs.contains(node.output())
                    || !scaleOf.keySet().containsAll(uses.getOrDefault(node.output(), List.of()))) {
                rw.copy(node);
            } // else: a scale constant only matched muls read; they use its [C] copy, which takes its name
        }
        return rw.build(graph.outputs());
    }

    /** The constant operand of {@code node} if it is a mul that scales the channels (axis 1) of the other. */
    private static Value channelScale(Node node) {
        if (!node.op().equals("mul")) return null;
        for (int i = 0; i < 2; i++) {
            Value s = node.input(i), x = node.input(1 - i);
            if (!s.isConstant() || x.isConstant()) continue;
            TensorType xt = x.type(), st = s.type();
            if (xt.rank() < 3 || xt.rank() > 5 || !xt.dtype().isFloatingPoint() || st.dtype() != xt.dtype()) continue;
            if (!node.output().type().equals(xt)) continue; // the scale must not broadcast x to a larger shape
            int lead = xt.rank() - st.rank();
            if (lead < 0 || lead > 1) continue; // s must reach axis 1: [C, 1, ...] or [1, C, 1, ...]
            boolean perChannel = st.dim(1 - lead) == xt.dim(1) && xt.dim(1) > 1;
            for (int a = 2; a < xt.rank() && perChannel; a++) perChannel = st.dim(a - lead) == 1;
            if (lead == 0) perChannel &= st.dim(0) == 1;
            if (perChannel) return s;
        }
        return null;
    }
}

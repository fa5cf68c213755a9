package dev.htdemucs.passes;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;

import java.util.List;

/**
 * Lowers {@code glu} to primitives: split x in halves a, b along the glu axis, then a * sigmoid(b).
 * The final mul keeps the glu's name.
 */
public final class LowerGluPass implements GraphPass {
    public static final String NAME = "lower-glu";

    @Override public String name() { return NAME; }

    @Override public String description() { return "rewrite glu as split + sigmoid + mul"; }

    @Override
    public LoadedModel apply(LoadedModel model, Options options) {
        Graph lowered = GraphRewriter.rewrite(model.graph(), (node, rw) -> node.op().equals("glu") ? lower(node, rw) : null);
        return lowered == model.graph() ? model : model.withGraph(lowered);
    }

    private static List<Value> lower(Node node, GraphRewriter rw) {
        GraphBuilder g = rw.builder();
        String p = node.name();
        Value x = rw.get(node.input(0));
        int axis = node.attributes().integer("axis", -1);
        int half = x.type().dim(axis) / 2;
        List<Value> halves = g.opMulti("split", p + "/split", Attributes.of("axis", axis, "sizes", new int[]{half, half}), x);
        Value gate = g.op("sigmoid", p + "/gate", null, halves.get(1));
        return List.of(g.op("mul", p, null, halves.get(0), gate));
    }
}

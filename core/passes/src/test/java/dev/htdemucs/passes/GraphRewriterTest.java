package dev.htdemucs.passes;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GraphRewriterTest {
    private static Graph chain() {
        GraphBuilder g = new GraphBuilder("chain");
        Value x = g.input("x", TensorType.f32(2, 4));
        Value a = g.op("sqrt", "a", null, x);
        Value b = g.op("relu", "b", null, a);
        g.op("sigmoid", "unused", null, x);
        return g.output("y", b).build();
    }

    @Test
    void copyingEveryNodeKeepsNamesOpsAndOutputs() {
        Graph src = chain();
        GraphRewriter rw = new GraphRewriter(src);
        rw.copyInputs();
        for (Node n : src.nodes()) rw.copy(n);
        Graph copy = rw.build(src.outputs());
        assertEquals(List.of("a", "b", "unused"), copy.nodes().stream().map(Node::name).toList());
        assertEquals(src.opHistogram(), copy.opHistogram());
        assertEquals("b", copy.output("y").producer().name());
    }

    @Test
    void ruleReplacesNodesAndNothingElse() {
        Graph src = chain();
        Graph out = GraphRewriter.rewrite(src, (n, rw) -> n.op().equals("relu")
                ? List.of(rw.builder().op("gelu", n.name(), Attributes.EMPTY, rw.get(n.input(0)))) : null);
        assertEquals("gelu", out.output("y").producer().op());
        assertEquals("b", out.output("y").producer().name());
        assertSame(src, GraphRewriter.rewrite(src, (n, rw) -> null), "nothing replaced: the same graph");
    }

    @Test
    void replacementOfAnotherTypeIsRefusedNamingTheNode() {
        Graph src = chain();
        IrException e = assertThrows(IrException.class, () -> GraphRewriter.rewrite(src, (n, rw) -> n.name().equals("a")
                ? List.of(rw.builder().op("reshape", "a", Attributes.of("shape", new int[]{8}), rw.get(n.input(0)))) : null));
        assertTrue(e.getMessage().contains("node a (sqrt)") && e.getMessage().contains("float32[8]"), e.getMessage());
    }

    @Test
    void liveNodesStopAtProvidedValues() {
        Graph src = chain();
        Value a = src.nodes().get(0).output();
        List<Node> live = GraphRewriter.liveNodes(src, List.of(src.output("y")), Set.of(a));
        assertEquals(List.of("b"), live.stream().map(Node::name).toList());
        assertEquals(List.of("a", "b"), GraphRewriter.liveNodes(src, List.of(src.output("y")), Set.of())
                .stream().map(Node::name).toList());
    }
}

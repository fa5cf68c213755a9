package dev.htdemucs.ir;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class GraphValidatorTest {

    @Test
    void validGraphHasNoProblems() {
        GraphBuilder b = new GraphBuilder("ok");
        Value x = b.input("x", TensorType.f32(2, 3));
        Value y = b.op("sigmoid", "act", null, x);
        Graph g = b.output("y", y).build();
        assertEquals(List.of(), new GraphValidator().problems(g));
    }

    @Test
    void danglingValueIsNamed() {
        GraphBuilder other = new GraphBuilder("other");
        Value foreign = other.input("foreign", TensorType.f32(2, 3));

        GraphBuilder b = new GraphBuilder("g");
        Value x = b.input("x", TensorType.f32(2, 3));
        Value sum = b.op("add", "sum", null, x, foreign);
        Graph g = b.output("sum", sum).build();

        List<String> problems = new GraphValidator().problems(g);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("node sum (add)"), problems.get(0));
        assertTrue(problems.get(0).contains("%foreign is dangling"), problems.get(0));
        IrException e = assertThrows(IrException.class, () -> new GraphValidator().validate(g));
        assertTrue(e.getMessage().contains("dangling"));
    }

    @Test
    void declaredShapeMismatchIsNamed() {
        GraphBuilder b = new GraphBuilder("g");
        Value x = b.input("x", TensorType.f32(2, 3));
        Value w = b.constant("w", Tensor.ofFloats(new int[]{4, 3}, new float[12]));
        // a loader declares [2, 5] but linear infers [2, 4]
        Value y = b.opDeclared("linear", "proj", null, List.of(TensorType.f32(2, 5)), null, x, w).get(0);
        Graph g = b.output("y", y).build();
        List<String> problems = new GraphValidator().problems(g);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("node proj (linear)"), problems.get(0));
        assertTrue(problems.get(0).contains("float32[2,5]") && problems.get(0).contains("float32[2,4]"), problems.get(0));
    }

    @Test
    void useBeforeDefinitionIsReported() {
        // Build a graph whose node list is out of order by feeding one builder's node into an
        // earlier position: the validator must spot that the input is produced later.
        GraphBuilder b = new GraphBuilder("g");
        Value x = b.input("x", TensorType.f32(3));
        Value a = b.op("sqrt", "a", null, x);
        Value c = b.op("sigmoid", "c", null, a);
        Graph ordered = b.output("c", c).build();
        List<Node> reversed = new java.util.ArrayList<>(ordered.nodes());
        java.util.Collections.reverse(reversed);
        Graph bad = new Graph("bad", ordered.inputs(), reversed, ordered.outputs(), ordered.ops());
        List<String> problems = new GraphValidator().problems(bad);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("used before it is defined"), problems.get(0));
    }

    @Test
    void builderRejectsShapeMismatchAtTheNode() {
        GraphBuilder b = new GraphBuilder("g");
        Value x = b.input("x", TensorType.f32(2, 3));
        Value y = b.input("y", TensorType.f32(4, 3));
        IrException e = assertThrows(IrException.class, () -> b.op("add", "bad_add", null, x, y));
        assertTrue(e.getMessage().startsWith("node bad_add (add)"), e.getMessage());
        assertTrue(e.getMessage().contains("do not broadcast"), e.getMessage());
    }

    @Test
    void unknownOpAndMissingOutputAreReported() {
        GraphBuilder b = new GraphBuilder("g");
        IrException e = assertThrows(IrException.class, () -> b.op("frobnicate", "f", null));
        assertTrue(e.getMessage().startsWith("node f of graph g: unknown op 'frobnicate'"), e.getMessage());
    }

    @Test
    void uniqueNamesAndHistogram() {
        GraphBuilder b = new GraphBuilder("g");
        Value x = b.input("x", TensorType.f32(3));
        Value a = b.op("sqrt", "n", null, x);
        Value c = b.op("sqrt", "n", null, a);
        Graph g = b.output("c", c).build();
        assertEquals("n", a.name());
        assertEquals("n_1", c.name());
        assertEquals(java.util.Map.of("sqrt", 2), g.opHistogram());
        assertEquals(List.of(g.nodes().get(1)), g.consumers().get(a));
    }
}

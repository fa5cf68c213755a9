package dev.htdemucs.passes;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lowered graphs compute what the original op computes, on the reference runtime. The bound allows for
 * float32 rounding along the primitive chain (the fused kernels may accumulate in double):
 * max |original - lowered| <= 1e-5 * max |original|.
 */
class LoweringPassesTest {
    static final double LOWERING_TOLERANCE = 1e-5;

    static final ModelMetadata METADATA = new ModelMetadata("test", List.of("a"), 44100, 2, 64, 16, 4, Map.of());

    private static void assertSameResults(Graph original, Graph lowered, Map<String, Tensor> inputs) throws PluginException {
        new GraphValidator().validate(lowered);
        Tensor expected = Reference.run(original, inputs).get("y");
        Tensor actual = Reference.run(lowered, inputs).get("y");
        assertEquals(expected.type(), actual.type());
        double err = Reference.relativeError(expected, actual);
        System.out.printf("%s lowered: max abs error %.3e of peak%n", original.name(), err);
        assertTrue(err <= LOWERING_TOLERANCE, "lowered graph differs by " + err + " of peak");
    }

    @ParameterizedTest(name = "group_norm on {0} with {1} groups, affine={2}")
    @CsvSource(delimiter = '|', value = {"2,6,5,7|3|true", "1,4,10|1|true", "1,8,3,2,2|4|false", "2,6,9|6|true"})
    void groupNormLoweringComputesGroupNorm(String shapeText, int groups, boolean affine) throws PluginException {
        int[] shape = java.util.Arrays.stream(shapeText.split(",")).mapToInt(Integer::parseInt).toArray();
        GraphBuilder g = new GraphBuilder("group_norm");
        Value x = g.input("x", TensorType.f32(shape));
        Value gamma = affine ? g.constant("gamma", Reference.random(2, shape[1])) : null;
        Value beta = affine ? g.constant("beta", Reference.random(3, shape[1])) : null;
        Value y = g.op("group_norm", "norm", Attributes.of("num_groups", groups, "epsilon", 1e-5), x, gamma, beta);
        Graph original = g.output("y", y).build();

        LoadedModel lowered = new LowerGroupNormPass().apply(new LoadedModel(original, METADATA), Options.NONE);
        Graph lg = lowered.graph();
        assertFalse(lg.opHistogram().containsKey("group_norm"), lg.opHistogram().toString());
        assertEquals("norm", lg.output("y").producer().name(), "the last node keeps the replaced node's name");
        assertSameResults(original, lg, Map.of("x", Reference.random(1, shape)));
    }

    @ParameterizedTest(name = "glu on {0} along axis {1}")
    @CsvSource(delimiter = '|', value = {"2,6,5|1", "3,8|-1", "1,4,6,2|2"})
    void gluLoweringComputesGlu(String shapeText, int axis) throws PluginException {
        int[] shape = java.util.Arrays.stream(shapeText.split(",")).mapToInt(Integer::parseInt).toArray();
        GraphBuilder g = new GraphBuilder("glu");
        Value x = g.input("x", TensorType.f32(shape));
        Value y = g.op("glu", "gate", Attributes.of("axis", axis), x);
        Graph original = g.output("y", y).build();

        Graph lg = new LowerGluPass().apply(new LoadedModel(original, METADATA), Options.NONE).graph();
        assertEquals(Map.of("mul", 1, "sigmoid", 1, "split", 1), lg.opHistogram());
        assertEquals("gate", lg.output("y").producer().name());
        assertSameResults(original, lg, Map.of("x", Reference.random(4, shape)));
    }

    @Test
    void graphsWithoutTheOpAreReturnedUnchanged() {
        GraphBuilder g = new GraphBuilder("plain");
        Value x = g.input("x", TensorType.f32(2, 3));
        Graph graph = g.output("y", g.op("sqrt", "root", null, x)).build();
        LoadedModel model = new LoadedModel(graph, METADATA);
        assertSame(model, new LowerGluPass().apply(model, Options.NONE));
        assertSame(model, new LowerGroupNormPass().apply(model, Options.NONE));
    }
}

package dev.htdemucs.passes;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ExposeNodesPassTest {
    private static Graph graph() {
        GraphBuilder g = new GraphBuilder("chain");
        Value x = g.input("x", TensorType.f32(4));
        Value a = g.op("mul", "layer.0", null, x, g.scalar("two", 2f));
        Value b = g.op("add", "layer.1", null, a, g.scalar("one", 1f));
        return g.output("y", b).build();
    }

    @Test
    void namedNodesBecomeOutputs() throws PluginException {
        LoadedModel m = new ExposeNodesPass().apply(new LoadedModel(graph(), LoweringPassesTest.METADATA),
                Options.of("nodes", "layer.0, layer.1"));
        assertEquals(List.of("y", "layer.0", "layer.1"), List.copyOf(m.graph().outputs().keySet()));
        Map<String, Tensor> out = Reference.run(m.graph(), Map.of("x", Tensor.ofFloats(new int[]{4}, 1, 2, 3, 4)));
        assertEquals(List.of(2f, 4f, 6f, 8f), boxed(out.get("layer.0")));
        assertEquals(List.of(3f, 5f, 7f, 9f), boxed(out.get("layer.1")));
        assertEquals(boxed(out.get("y")), boxed(out.get("layer.1")));
    }

    @Test
    void unknownNodeIsNamed() {
        PluginException e = assertThrows(PluginException.class, () -> new ExposeNodesPass().apply(
                new LoadedModel(graph(), LoweringPassesTest.METADATA), Options.of("nodes", "layer.7")));
        assertTrue(e.getMessage().contains("'layer.7'"), e.getMessage());
    }

    private static List<Float> boxed(Tensor t) {
        float[] v = t.toFloatArray();
        Float[] b = new Float[v.length];
        for (int i = 0; i < v.length; i++) b[i] = v[i];
        return List.of(b);
    }
}

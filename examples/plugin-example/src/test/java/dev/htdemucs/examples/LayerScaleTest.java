package dev.htdemucs.examples;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.ops.OpRegistry;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin op layer_scale on small graphs: its shape inference, that its kernel computes exactly the mul it
 * replaces (tolerance 0: the same float32 product), that insert-layer-scale finds exactly the channel scales,
 * and that a graph holding it goes through the coreml emitter and back (coreml-reference: emit, read, run)
 * bit-identically. The ops, kernel and MIL mapping come from this module's services files, found by
 * {@link Plugins#fromClassPath()}.
 */
class LayerScaleTest {
    private static final OpRegistry OPS = OpRegistry.standard().with(new LayerScale());
    private final Random random = new Random(7);

    @Test
    void infersTheShapeOfXAndRefusesScalesThatAreNotPerChannel() {
        GraphBuilder g = new GraphBuilder("shapes", OPS);
        Value x = g.input("x", TensorType.f32(2, 3, 5));
        assertEquals(x.type(), g.op("layer_scale", "ok", null, x, g.constant("s", randomTensor(3))).type());
        IrException e = assertThrows(IrException.class, () -> g.op("layer_scale", "bad", null, x, g.constant("s2", randomTensor(3, 1))));
        assertTrue(e.getMessage().contains("scale must be [C] = [3]"), e.getMessage());
        assertThrows(IrException.class, () -> new GraphBuilder("standard").op("layer_scale", "n", null),
                "a standard-ops graph does not know the plugin op");
    }

    @Test
    void registriesKnowTheOpOnceFromTheServicesFile() throws PluginException {
        Plugins plugins = Plugins.fromClassPath();
        assertInstanceOf(LayerScale.class, plugins.ops().get("layer_scale"));
        assertSame(OPS, OPS.with(new LayerScale()), "adding the op a registry has changes nothing");
        assertInstanceOf(InsertLayerScalePass.class, plugins.get(dev.htdemucs.spi.GraphPass.class, InsertLayerScalePass.NAME));
    }

    @Test
    void passReplacesChannelScalesOnlyAndTheKernelComputesTheSameBits() throws PluginException {
        GraphBuilder g = new GraphBuilder("dconv");
        Value x = g.input("x", TensorType.f32(2, 4, 33));
        Value glu = g.op("glu", "glu", dev.htdemucs.ir.Attributes.of("axis", 1), g.op("add", "pre", null, x, x));
        Value channels = g.op("mul", "layers.0.6", null, g.constant("layers.0.6.scale", randomTensor(2, 1)), glu);
        Value time = g.op("mul", "time_scale", null, channels, g.constant("time", randomTensor(33)));
        Value uniform = g.op("mul", "uniform", null, time, g.constant("u", randomTensor(1, 1)));
        Graph before = g.output("out", uniform).build();

        Graph after = InsertLayerScalePass.insert(before);
        new GraphValidator().validate(after);
        assertEquals(List.of("layer_scale"), after.nodes().stream().filter(n -> n.op().equals("layer_scale")).map(Node::op).toList());
        Node ls = after.nodes().stream().filter(n -> n.op().equals("layer_scale")).findFirst().orElseThrow();
        assertEquals("layers.0.6", ls.name(), "the op keeps the mul's name");
        assertEquals("layers.0.6.scale", ls.input(1).producer().name(), "the [C] scale keeps the constant's name");
        assertEquals(TensorType.f32(2), ls.input(1).type());
        assertEquals(before.nodes().size(), after.nodes().size(), "one op and one constant for one op and one constant");
        assertSame(after, InsertLayerScalePass.insert(after), "nothing left to replace");

        Map<String, Tensor> feed = Map.of("x", randomTensor(2, 4, 33));
        float[] want = run("reference", before, feed), got = run("reference", after, feed);
        assertArrayEquals(want, got, 0f, "layer_scale computes the mul's float32 products");
        assertArrayEquals(want, run("coreml-reference", after, feed), 0f,
                "emitted as MIL batch_norm, read back as layer_scale, run: the same bits");
    }

    private static float[] run(String runtime, Graph graph, Map<String, Tensor> feed) throws PluginException {
        ModelRuntime r = Plugins.fromClassPath().get(ModelRuntime.class, runtime);
        try (Session s = r.open(graph, Options.of("threads", "2"))) {
            return s.run(feed).get("out").toFloatArray();
        }
    }

    private Tensor randomTensor(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return Tensor.ofFloats(shape, v);
    }
}

package dev.htdemucs.examples;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.testsupport.ReferenceRun;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fold-layer-scale on small hand-built graphs: what folds, what must not, the folded weights exactly, and the
 * same outputs on the reference runtime within {@value #MAX_ABS_RELATIVE_TO_PEAK} of peak (one float rounding
 * of each weight product instead of each activation product).
 */
class FoldLayerScalePassTest {
    static final double MAX_ABS_RELATIVE_TO_PEAK = 1e-6;
    private static final ModelMetadata METADATA = new ModelMetadata("test", List.of("a"), 44100, 1, 8, 4, 2, Map.of());

    private final Random random = new Random(42);

    @Test
    void linearFollowedByChannelScaleFoldsIntoItsWeightsAndBias() throws PluginException {
        GraphBuilder g = new GraphBuilder("block");
        Value x = g.input("x", TensorType.f32(1, 5, 4));
        Tensor w = randomTensor(4, 4), b = randomTensor(4), s = randomTensor(4);
        Value y = g.op("linear", "proj", null, x, g.constant("proj.weight", w), g.constant("proj.bias", b));
        Value scaled = g.op("mul", "gamma_1", null, y, g.constant("gamma_1.scale", s));
        Graph before = g.output("out", g.op("add", "residual", null, x, scaled)).build();

        FoldLayerScalePass.Result r = FoldLayerScalePass.foldAll(before);
        Graph after = r.graph();
        new GraphValidator().validate(after);
        assertEquals(List.of(new FoldLayerScalePass.Fold("gamma_1", "proj")), r.folds());
        assertEquals(Map.of("add", 1, "const", 2, "linear", 1), after.opHistogram());
        Node linear = node(after, "proj");
        assertEquals("proj.weight", linear.input(1).producer().name(), "the rescaled weight takes over the name");
        assertEquals("proj.bias", linear.input(2).producer().name());
        float[] wv = w.toFloatArray(), bv = b.toFloatArray(), sv = s.toFloatArray();
        float[] expectedW = new float[16], expectedB = new float[4];
        for (int o = 0; o < 4; o++) {
            expectedB[o] = sv[o] * bv[o];
            for (int i = 0; i < 4; i++) expectedW[o * 4 + i] = sv[o] * wv[o * 4 + i];
        }
        assertArrayEquals(expectedW, linear.input(1).constantValue().toFloatArray(), 0f, "W' = diag(s)·W");
        assertArrayEquals(expectedB, linear.input(2).constantValue().toFloatArray(), 0f, "b' = s·b");
        assertSameOutputs(before, after);
    }

    @Test
    void scaleAsTheFirstOperandAndLinearWithoutBiasFold() throws PluginException {
        GraphBuilder g = new GraphBuilder("block");
        Value x = g.input("x", TensorType.f32(2, 3));
        Value y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 3)));
        Graph before = g.output("out", g.op("mul", "scale", null, g.constant("scale.value", randomTensor(4)), y)).build();
        Graph after = FoldLayerScalePass.foldAll(before).graph();
        assertEquals(Map.of("const", 1, "linear", 1), after.opHistogram());
        assertNull(node(after, "proj").input(2), "no bias appears");
        assertSameOutputs(before, after);
    }

    @Test
    void convFoldsPerOutputChannelScalesShapedLikeDConvsAndBroadcastRank4() throws PluginException {
        // Conv1d with a [C, 1] scale (HTDemucs' DConv LayerScale shape), grouped
        GraphBuilder g = new GraphBuilder("conv1d");
        Value x = g.input("x", TensorType.f32(1, 4, 9));
        Value y = g.op("conv", "conv", Attributes.of("groups", 2, "pads", new int[]{1, 1}), x,
                g.constant("conv.weight", randomTensor(6, 2, 3)), g.constant("conv.bias", randomTensor(6)));
        Graph conv1d = g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(6).reshape(6, 1)))).build();
        Graph folded1d = FoldLayerScalePass.foldAll(conv1d).graph();
        assertEquals(Map.of("const", 2, "conv", 1), folded1d.opHistogram());
        assertSameOutputs(conv1d, folded1d);

        // Conv2d with a [1, C, 1, 1] scale
        g = new GraphBuilder("conv2d");
        x = g.input("x", TensorType.f32(1, 3, 5, 4));
        y = g.op("conv", "conv", null, x, g.constant("conv.weight", randomTensor(2, 3, 3, 1)), g.constant("conv.bias", randomTensor(2)));
        Graph conv2d = g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(1, 2, 1, 1)))).build();
        Graph folded2d = FoldLayerScalePass.foldAll(conv2d).graph();
        assertEquals(Map.of("const", 2, "conv", 1), folded2d.opHistogram());
        assertSameOutputs(conv2d, folded2d);
    }

    @Test
    void aScalarIsAUniformScaleAndFolds() throws PluginException {
        GraphBuilder g = new GraphBuilder("block");
        Value x = g.input("x", TensorType.f32(1, 2, 3));
        Value y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 3)), g.constant("proj.bias", randomTensor(4)));
        Graph before = g.output("out", g.op("mul", "half", null, y, g.scalar("half.value", 0.5f))).build();
        Graph after = FoldLayerScalePass.foldAll(before).graph();
        assertFalse(after.opHistogram().containsKey("mul"));
        assertSameOutputs(before, after);
    }

    @Test
    void scalesThatAreNotPerOutputChannelDoNotFold() {
        // conv [1, C=3, T=3] times a [3] constant: numpy aligns it with the time axis, not the channels
        GraphBuilder g = new GraphBuilder("time_scale");
        Value x = g.input("x", TensorType.f32(1, 2, 3));
        Value y = g.op("conv", "conv", null, x, g.constant("conv.weight", randomTensor(3, 2, 1)), g.constant("conv.bias", randomTensor(3)));
        assertNothingFolds(g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(3)))).build());

        // a scale that broadcasts the result to a bigger shape: [1, 5, 4] * [2, 1, 4] -> [2, 5, 4]
        g = new GraphBuilder("broadcasting_scale");
        x = g.input("x", TensorType.f32(1, 5, 3));
        y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 3)));
        assertNothingFolds(g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(2, 1, 4)))).build());

        // a computed scale
        g = new GraphBuilder("computed_scale");
        x = g.input("x", TensorType.f32(1, 5, 3));
        Value gate = g.input("gate", TensorType.f32(4));
        y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 3)));
        assertNothingFolds(g.output("out", g.op("mul", "scale", null, y, gate)).build());
    }

    @Test
    void producersWithOtherReadersComputedWeightsOrOtherOpsDoNotFold() {
        // the linear's output is also read by the residual add
        GraphBuilder g = new GraphBuilder("shared_output");
        Value x = g.input("x", TensorType.f32(1, 5, 4));
        Value y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 4)));
        Value scaled = g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(4)));
        assertNothingFolds(g.output("out", g.op("add", "residual", null, y, scaled)).build());

        // the linear's output is a graph output
        g = new GraphBuilder("graph_output");
        x = g.input("x", TensorType.f32(1, 5, 4));
        y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 4)));
        g.output("hidden", y);
        assertNothingFolds(g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(4)))).build());

        // the weight is a graph input
        g = new GraphBuilder("computed_weight");
        x = g.input("x", TensorType.f32(1, 5, 4));
        Value w = g.input("w", TensorType.f32(4, 4));
        y = g.op("linear", "proj", null, x, w);
        assertNothingFolds(g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", randomTensor(4)))).build());

        // DConv's LayerScale follows a glu, not the conv
        g = new GraphBuilder("dconv");
        x = g.input("x", TensorType.f32(1, 2, 6));
        y = g.op("conv", "dconv.layers.0.3", null, x, g.constant("w", randomTensor(4, 2, 1)), g.constant("b", randomTensor(4)));
        Value glu = g.op("glu", "dconv.layers.0.5", Attributes.of("axis", 1), y);
        assertNothingFolds(g.output("out", g.op("mul", "dconv.layers.0.6", null, glu,
                g.constant("dconv.layers.0.6.scale", randomTensor(2, 1)))).build());
    }

    @Test
    void aWeightOtherNodesReadStaysForThemAndTheRescaledCopyGetsItsOwnName() throws PluginException {
        GraphBuilder g = new GraphBuilder("shared_weight");
        Value x = g.input("x", TensorType.f32(1, 5, 4));
        Value w = g.constant("shared.weight", randomTensor(4, 4));
        Value plain = g.op("linear", "plain", null, x, w);
        Value scaled = g.op("mul", "scale", null, g.op("linear", "scaled", null, x, w), g.constant("scale.value", randomTensor(4)));
        Graph before = g.output("a", plain).output("b", scaled).build();
        Graph after = FoldLayerScalePass.foldAll(before).graph();
        new GraphValidator().validate(after);
        assertEquals(Map.of("const", 2, "linear", 2), after.opHistogram());
        assertEquals("shared.weight", node(after, "plain").input(1).producer().name());
        assertEquals("shared.weight" + FoldLayerScalePass.RESCALED_COPY_SUFFIX, node(after, "scaled").input(1).producer().name());
        assertSameOutputs(before, after);
    }

    @Test
    void aChainOfScalesFoldsCompletely() throws PluginException {
        GraphBuilder g = new GraphBuilder("chain");
        Value x = g.input("x", TensorType.f32(1, 5, 3));
        Value y = g.op("linear", "proj", null, x, g.constant("proj.weight", randomTensor(4, 3)), g.constant("proj.bias", randomTensor(4)));
        y = g.op("mul", "scale1", null, y, g.constant("scale1.value", randomTensor(4)));
        Graph before = g.output("out", g.op("mul", "scale2", null, y, g.constant("scale2.value", randomTensor(4)))).build();
        assertEquals(1, FoldLayerScalePass.foldOnce(before).folds().size(), "one sweep folds the first scale");
        FoldLayerScalePass.Result r = FoldLayerScalePass.foldAll(before);
        assertEquals(List.of("scale1", "scale2"), r.folds().stream().map(FoldLayerScalePass.Fold::mulName).toList());
        assertEquals(Map.of("const", 2, "linear", 1), r.graph().opHistogram());
        assertSameOutputs(before, r.graph());
    }

    @Test
    void float16WeightsStayFloat16() {
        GraphBuilder g = new GraphBuilder("fp16");
        Value x = g.input("x", TensorType.of(dev.htdemucs.ir.DType.FLOAT16, 1, 2, 3));
        Tensor w = randomTensor(4, 3).to(dev.htdemucs.ir.DType.FLOAT16);
        Tensor s = Tensor.ofFloats(new int[]{4}, 2f, 0.5f, -1f, 4f).to(dev.htdemucs.ir.DType.FLOAT16);
        Value y = g.op("linear", "proj", null, x, g.constant("proj.weight", w));
        Graph before = g.output("out", g.op("mul", "scale", null, y, g.constant("scale.value", s))).build();
        Graph after = FoldLayerScalePass.foldAll(before).graph();
        Tensor folded = node(after, "proj").input(1).constantValue();
        assertEquals(dev.htdemucs.ir.DType.FLOAT16, folded.dtype());
        float[] wv = w.toFloatArray(), fv = folded.toFloatArray(), sv = {2f, 0.5f, -1f, 4f};
        // scaling by powers of two is exact in fp16 (no overflow or subnormals at these magnitudes)
        for (int i = 0; i < wv.length; i++) assertEquals(sv[i / 3] * wv[i], fv[i], 0f, "element " + i);
    }

    @Test
    void thePassReturnsTheSameModelWhenNothingFolds() throws PluginException {
        GraphBuilder g = new GraphBuilder("nothing");
        Value x = g.input("x", TensorType.f32(1, 4));
        Graph graph = g.output("out", g.op("gelu", "gelu", null, x)).build();
        LoadedModel model = new LoadedModel(graph, METADATA);
        assertSame(model, new FoldLayerScalePass().apply(model, Options.NONE));
        assertTrue(new FoldLayerScalePass().description().indexOf('\n') < 0, "one-line description");
    }

    private static void assertNothingFolds(Graph graph) {
        FoldLayerScalePass.Result r = FoldLayerScalePass.foldAll(graph);
        assertEquals(List.of(), r.folds(), graph.name());
        assertSame(graph, r.graph(), graph.name() + ": unchanged graph");
    }

    /** Runs both graphs on the reference runtime with the same random inputs. */
    private void assertSameOutputs(Graph before, Graph after) throws PluginException {
        Map<String, Tensor> feed = new java.util.LinkedHashMap<>();
        for (Value in : before.inputs()) feed.put(in.name(), randomTensor(in.type().shape()));
        Map<String, Tensor> out0 = ReferenceRun.run(before, null, feed), out1 = ReferenceRun.run(after, null, feed);
        assertEquals(out0.keySet(), out1.keySet());
        for (String name : out0.keySet()) {
            float[] a = out0.get(name).toFloatArray(), b = out1.get(name).toFloatArray();
            assertEquals(a.length, b.length);
            double peak = 0, maxAbs = 0;
            for (int i = 0; i < a.length; i++) {
                peak = Math.max(peak, Math.abs(a[i]));
                maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
            }
            assertTrue(peak > 0, before.name() + " " + name + " is all zeros: the comparison would prove nothing");
            assertTrue(maxAbs <= MAX_ABS_RELATIVE_TO_PEAK * peak, before.name() + " output " + name + ": folding changed it by "
                    + maxAbs + " > " + MAX_ABS_RELATIVE_TO_PEAK + " x peak " + peak);
        }
    }

    private Tensor randomTensor(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return Tensor.ofFloats(shape, v);
    }

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + name + " in " + g + ": " + g.nodes()));
    }
}

package dev.htdemucs.runtime.reference;

import static org.junit.jupiter.api.Assertions.assertFalse;
import java.util.ArrayList;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.ops.OpRegistry;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.ModelRuntime;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The session: plugin discovery, input checks, captures, value release, fp16 emulation, determinism. */
class ReferenceSessionTest {
    private static final float[] X = {0.1f, -1.7f, 3.14159f, 100.3f, -0.001f, 7f};

    /** x [2, 3] → a = x + 1 → b = a · w (const) → out = relu(b) + a. */
    private static Graph chain() {
        GraphBuilder g = new GraphBuilder("chain");
        Value x = g.input("x", TensorType.f32(2, 3));
        Value one = g.scalar("one", 1f);
        Value w = g.constant("w", Tensor.ofFloats(new int[] {3}, 0.3f, -2.2f, 1.0001f));
        Value a = g.op("add", "a", Attributes.EMPTY, x, one);
        Value b = g.op("mul", "b", Attributes.EMPTY, a, w);
        Value r = g.op("relu", "r", Attributes.EMPTY, b);
        g.output("out", g.op("add", "sum", Attributes.EMPTY, r, a));
        return g.build();
    }

    private static float[] chainReference(boolean fp16Mul) {
        float[] w = {0.3f, -2.2f, 1.0001f};
        float[] out = new float[6];
        for (int i = 0; i < 6; i++) {
            float a = X[i] + 1f;
            float b = fp16Mul ? Float16.round(Float16.round(a) * Float16.round(w[i % 3])) : a * w[i % 3];
            out[i] = Math.max(b, 0f) + a;
        }
        return out;
    }

    private static Map<String, Tensor> feed() { return Map.of("x", Tensor.ofFloats(new int[] {2, 3}, X)); }

    @Test void discoveredAsRuntimePlugin() throws PluginException {
        ModelRuntime r = Plugins.fromClassPath().get(ModelRuntime.class, "reference");
        assertInstanceOf(ReferenceRuntime.class, r);
        PluginException e = assertThrows(PluginException.class, () -> r.open(Path.of("model.th"), Options.NONE));
        assertTrue(e.getMessage().contains("ModelLoader"), e.getMessage());
    }

    @Test void runsAGraph() throws PluginException {
        try (ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE)) {
            assertEquals(Map.of("x", TensorType.f32(2, 3)), s.inputTypes());
            assertEquals(Map.of("out", TensorType.f32(2, 3)), s.outputTypes());
            assertArrayEquals(chainReference(false), s.run(feed()).get("out").toFloatArray());
            assertArrayEquals(chainReference(false), s.run(feed()).get("out").toFloatArray(), "a second run gives the same");
        }
    }

    @Test void inputErrorsNameTheInput() throws PluginException {
        try (ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE)) {
            String unknown = assertThrows(PluginException.class, () -> s.run(Map.of("y", Tensor.ofFloats(new int[] {2, 3}, X)))).getMessage();
            assertTrue(unknown.contains("'y'") && unknown.contains("x float32[2,3]"), unknown);
            String missing = assertThrows(PluginException.class, () -> s.run(Map.of())).getMessage();
            assertTrue(missing.contains("'x' is missing") && missing.contains("float32[2,3]"), missing);
            String shape = assertThrows(PluginException.class,
                    () -> s.run(Map.of("x", Tensor.ofFloats(new int[] {3, 2}, X)))).getMessage();
            assertTrue(shape.contains("'x'") && shape.contains("[3, 2]") && shape.contains("float32[2,3]"), shape);
            String dtype = assertThrows(PluginException.class,
                    () -> s.run(Map.of("x", Tensor.ofFloats(new int[] {2, 3}, X).to(DType.FLOAT16)))).getMessage();
            assertTrue(dtype.contains("'x'") && dtype.contains("float16[2,3]") && dtype.contains("float32[2,3]"), dtype);
        }
    }

    @Test void capturesIntermediatesByNodeName() throws PluginException {
        try (ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE)) {
            CapturedRun r = s.run(feed(), Set.of("a", "r", "w"));
            float[] a = r.captured().get("a").toFloatArray();
            for (int i = 0; i < 6; i++) assertEquals(X[i] + 1f, a[i], 0f);
            assertEquals(3, r.captured().get("w").numel(), "constants can be captured");
            assertEquals(0f, r.captured().get("r").toFloatArray()[4], 0f, "relu of a negative product: (1 - 0.001)·(-2.2)");
            assertArrayEquals(chainReference(false), r.outputs().get("out").toFloatArray());
            String e = assertThrows(PluginException.class, () -> s.run(feed(), Set.of("nope"))).getMessage();
            assertTrue(e.contains("'nope'"), e);
        }
    }

    @Test void capturesEveryOutputOfAMultiOutputNode() throws PluginException {
        GraphBuilder g = new GraphBuilder("split");
        Value x = g.input("x", TensorType.f32(2, 3));
        List<Value> parts = g.opMulti("split", "parts", Attributes.of("axis", 1, "sizes", new int[] {1, 2}), x);
        g.output("out", g.op("relu", "relu", Attributes.EMPTY, parts.get(1)));
        try (ReferenceSession s = new ReferenceRuntime().open(g.build(), Options.NONE)) {
            CapturedRun r = s.run(feed(), Set.of("parts"));
            assertEquals(Set.of(parts.get(0).name(), parts.get(1).name()), r.captured().keySet());
            assertArrayEquals(new float[] {0.1f, 100.3f}, r.captured().get(parts.get(0).name()).toFloatArray());
        }
    }

    @Test void valuesUsedByLaterNodesSurviveRelease() throws PluginException {
        // a is read by three nodes far apart; x is read again at the very end
        GraphBuilder g = new GraphBuilder("diamond");
        Value x = g.input("x", TensorType.f32(2, 3));
        Value a = g.op("relu", "a", Attributes.EMPTY, x);
        Value b = g.op("add", "b", Attributes.EMPTY, a, a);
        Value c = g.op("mul", "c", Attributes.EMPTY, b, a);
        Value d = g.op("sub", "d", Attributes.EMPTY, c, a);
        g.output("out", g.op("add", "e", Attributes.EMPTY, d, x));
        g.output("a_out", a);
        try (ReferenceSession s = new ReferenceRuntime().open(g.build(), Options.NONE)) {
            Map<String, Tensor> out = s.run(feed());
            float[] o = out.get("out").toFloatArray();
            for (int i = 0; i < 6; i++) {
                float av = Math.max(X[i], 0f);
                assertEquals((av + av) * av - av + X[i], o[i], 0f);
            }
            assertEquals(Math.max(X[3], 0f), out.get("a_out").toFloatArray()[3], 0f);
        }
    }

    /** A plan realised as casts ({@link PrecisionCasts}): fp16 operands, fp16 weights, fp16 results of the fp16 ops. */
    @Test void fp16PlanRoundsInputsWeightsAndOutputsOfMarkedOps() throws PluginException {
        PrecisionPlan plan = new PrecisionPlan(Map.of("b", Precision.FP16), Precision.FP32);
        try (ReferenceSession s = new ReferenceRuntime().open(PrecisionCasts.apply(chain(), plan), Options.NONE)) {
            float[] got = s.run(feed()).get("out").toFloatArray();
            assertArrayEquals(chainReference(true), got);
            assertTrue(!java.util.Arrays.equals(chainReference(false), got), "the fp16 op changes the result");
        }
        try (ReferenceSession s = new ReferenceRuntime().open(PrecisionCasts.apply(chain(), PrecisionPlan.uniform(Precision.FP16)), Options.NONE)) {
            CapturedRun r = s.run(feed(), Set.of("a", "w_fp16"));
            for (float v : r.captured().get("a").toFloatArray()) assertEquals(Float16.round(v), v, 0f, "every value is fp16");
            for (float v : r.captured().get("w_fp16").toFloatArray()) assertEquals(Float16.round(v), v, 0f, "weights too");
        }
    }

    @Test void roundingAViewNeverChangesItsSource() throws PluginException {
        // r = reshape(x) runs in fp16; x itself feeds an fp32 op afterwards and must be unrounded there
        GraphBuilder g = new GraphBuilder("view");
        Value x = g.input("x", TensorType.f32(2, 3));
        Value r = g.op("reshape", "r", Attributes.of("shape", new int[] {6}), x);
        Value zero = g.scalar("zero", 0f);
        g.output("view", r);
        g.output("same", g.op("add", "same", Attributes.EMPTY, x, zero));
        PrecisionPlan plan = new PrecisionPlan(Map.of("r", Precision.FP16), Precision.FP32);
        try (ReferenceSession s = new ReferenceRuntime().open(PrecisionCasts.apply(g.build(), plan), Options.NONE)) {
            Map<String, Tensor> out = s.run(feed());
            assertArrayEquals(X, out.get("same").toFloatArray());
            float[] view = out.get("view").toFloatArray();
            for (int i = 0; i < 6; i++) assertEquals(Float16.round(X[i]), view[i], 0f);
        }
    }

    @Test void declaredFp16ValuesAreStoredAsFp16() throws PluginException {
        GraphBuilder g = new GraphBuilder("half");
        Value x = g.input("x", TensorType.f32(2, 3));
        Value h = g.op("cast", "h", Attributes.of("dtype", DType.FLOAT16), x);
        Value sq = g.op("mul", "sq", Attributes.EMPTY, h, h);
        g.output("out", sq);
        try (ReferenceSession s = new ReferenceRuntime().open(g.build(), Options.NONE)) {
            Tensor out = s.run(feed()).get("out");
            assertEquals(DType.FLOAT16, out.dtype());
            float[] v = out.toFloatArray();
            for (int i = 0; i < 6; i++) {
                float hx = Float16.round(X[i]);
                assertEquals(Float16.round(hx * hx), v[i], 0f);
            }
        }
    }

    @Test void resultsDoNotDependOnThreadCount() throws PluginException {
        Random random = new Random(1);
        GraphBuilder g = new GraphBuilder("conv_stack");
        Value x = g.input("x", TensorType.f32(1, 16, 256, 20));
        float[] w1 = new float[32 * 16 * 8], w2 = new float[32 * 8 * 8];
        for (int i = 0; i < w1.length; i++) w1[i] = (float) random.nextGaussian() * 0.1f;
        for (int i = 0; i < w2.length; i++) w2[i] = (float) random.nextGaussian() * 0.1f;
        Value c = g.op("conv", "enc", Attributes.of("strides", new int[] {4, 1}, "pads", new int[] {2, 2, 0, 0}),
                x, g.constant("w1", Tensor.ofFloats(new int[] {32, 16, 8, 1}, w1)));
        Value act = g.op("group_norm", "norm", Attributes.of("num_groups", 1), g.op("gelu", "act", Attributes.EMPTY, c));
        Value d = g.op("conv_transpose", "dec", Attributes.of("strides", new int[] {4, 1}, "groups", 4),
                act, g.constant("w2", Tensor.ofFloats(new int[] {32, 8, 8, 1}, w2)));
        g.output("out", d);
        Graph graph = g.build();
        float[] in = new float[16 * 256 * 20]; // conv output 32·64·20: several statistics blocks for the norm
        for (int i = 0; i < in.length; i++) in[i] = (float) random.nextGaussian();
        Map<String, Tensor> inputs = Map.of("x", Tensor.ofFloats(new int[] {1, 16, 256, 20}, in));
        float[] one, two;
        try (ReferenceSession s = new ReferenceRuntime().open(graph, Options.of("threads", "1"))) {
            one = s.run(inputs).get("out").toFloatArray();
        }
        try (ReferenceSession s = new ReferenceRuntime().open(graph, Options.of("threads", "2"))) {
            two = s.run(inputs).get("out").toFloatArray();
            assertEquals(List.of("conv", "conv_transpose", "gelu", "group_norm"), s.profile().stream().map(ReferenceSession.OpProfile::op).toList(),
                    "the profile covers the ops run");
        }
        assertArrayEquals(one, two);
    }

    @Test void opsWithoutKernelAreNamedWhenOpening() {
        GraphBuilder g = new GraphBuilder("plugin_op", OpRegistry.standard().with(new OpWithoutKernel()));
        Value x = g.input("x", TensorType.f32(2, 3));
        g.output("out", g.op(OpWithoutKernel.NAME, "custom", Attributes.EMPTY, x));
        String e = assertThrows(PluginException.class, () -> new ReferenceRuntime().open(g.build(), Options.NONE)).getMessage();
        assertTrue(e.contains("'" + OpWithoutKernel.NAME + "'") && e.contains("custom") && e.contains("conv"), e);
    }

    @Test void closedSessionRefusesToRun() throws PluginException {
        ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE);
        s.close();
        assertThrows(PluginException.class, () -> s.run(feed()));
    }

    @Test void badThreadOptionIsRejected() {
        String e = assertThrows(PluginException.class, () -> new ReferenceRuntime().open(chain(), Options.of("threads", "0"))).getMessage();
        assertTrue(e.contains("threads"), e);
    }

    /** chain's steps: a (0), b (1), r (2), sum (3). */
    @Test void aRunResumedFromACheckpointGivesTheSameOutputs() throws PluginException {
        Map<String, Tensor> in = feed();
        PrecisionPlan fp16Mul = new PrecisionPlan(Map.of("b", Precision.FP16), Precision.FP32);
        PrecisionPlan fp16Relu = new PrecisionPlan(Map.of("r", Precision.FP16), Precision.FP32);
        List<ReferenceSession.Checkpoint> taken = new ArrayList<>();
        try (ReferenceSession fp32 = new ReferenceRuntime().open(chain(), Options.NONE);
             ReferenceSession mul = new ReferenceRuntime().open(PrecisionCasts.apply(chain(), fp16Mul), Options.NONE);
             ReferenceSession relu = new ReferenceRuntime().open(PrecisionCasts.apply(chain(), fp16Relu), Options.NONE)) {
            Map<String, Tensor> full = relu.run(in);
            fp32.run(in, null, new int[] {1, 2, 3}, taken);
            assertEquals(List.of(1, 2, 3), taken.stream().map(ReferenceSession.Checkpoint::step).toList());
            assertTrue(relu.resumableFrom(taken.get(0)) && relu.resumableFrom(taken.get(1)), "relu's plan differs from step 2 on");
            assertFalse(relu.resumableFrom(taken.get(2)));
            assertFalse(mul.resumableFrom(taken.get(1)), "mul's plan differs from step 1 on");
            assertTrue(mul.resumableFrom(taken.get(0)));
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(full.get("out").toFloatArray(), relu.run(in, taken.get(k), new int[0], null).get("out").toFloatArray());
            }
            assertArrayEquals(chainReference(true), mul.run(in, taken.get(0), new int[0], null).get("out").toFloatArray());
            assertThrows(PluginException.class, () -> mul.run(in, taken.get(2), new int[0], null));
            assertThrows(PluginException.class, () -> relu.run(feed(), taken.get(0), new int[0], null), "other inputs");
        }
    }
}

package dev.htdemucs.onnx;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every IR op the emitter lowers, in a small graph, run by ONNX Runtime at each supported opset and by
 * the reference runtime on the IR: the lowering must keep the op's semantics. The ONNX file is also
 * imported back and run by the reference runtime (IR → ONNX → IR round trip).
 */
class OnnxOpLoweringTest {
    /** Max abs error relative to the reference runtime's peak, float32 on both sides. */
    static final double ORT_VS_REFERENCE = 1e-5;
    static final int[] OPSETS = {17, 18, 20, 21};

    /** One small graph per IR op (several where opset spellings differ). */
    static Map<String, Function<GraphBuilder, Value>> cases() {
        Map<String, Function<GraphBuilder, Value>> c = new LinkedHashMap<>();
        c.put("add", b -> b.op("add", "n", null, in(b, "x", 2, 3, 4), in(b, "y", 3, 1)));
        c.put("sub", b -> b.op("sub", "n", null, in(b, "x", 2, 3, 4), weight(b, 4)));
        c.put("mul", b -> b.op("mul", "n", null, in(b, "x", 2, 3, 4), b.scalar("k", 0.3f)));
        c.put("div", b -> b.op("div", "n", null, in(b, "x", 2, 3, 4), b.op("add", "pos", null, b.op("mul", "sq", null, in(b, "y", 2, 3, 4), find(b, "y")), b.scalar("one", 1f))));
        c.put("pow", b -> b.op("pow", "n", null, b.op("sigmoid", "pos", null, in(b, "x", 2, 5)), b.scalar("e", 2.5f)));
        c.put("sqrt", b -> b.op("sqrt", "n", null, b.op("sigmoid", "pos", null, in(b, "x", 2, 5))));
        c.put("sigmoid", b -> b.op("sigmoid", "n", null, in(b, "x", 3, 7)));
        c.put("relu", b -> b.op("relu", "n", null, in(b, "x", 3, 7)));
        // phases up to ~1.3e3 rad, as in the transformer's positional embedding
        c.put("sin", b -> b.op("sin", "n", null, b.op("mul", "phase", null, in(b, "x", 3, 7), b.scalar("k", 400f))));
        c.put("cos", b -> b.op("cos", "n", null, b.op("mul", "phase", null, in(b, "x", 3, 7), b.scalar("k", 400f))));
        c.put("gelu", b -> b.op("gelu", "n", null, in(b, "x", 3, 7)));
        c.put("cast", b -> b.op("cast", "back", Attributes.of("dtype", DType.FLOAT32),
                b.op("cast", "n", Attributes.of("dtype", DType.FLOAT16), in(b, "x", 3, 7))));
        c.put("reduce_mean", b -> b.op("reduce_mean", "n", Attributes.of("axes", new int[]{1, 2}, "keep_dims", true), in(b, "x", 2, 3, 4)));
        c.put("reduce_mean_drop", b -> b.op("reduce_mean", "n", Attributes.of("axes", new int[]{-1}), in(b, "x", 2, 3, 4)));
        c.put("reduce_sum", b -> b.op("reduce_sum", "n", Attributes.of("axes", new int[]{0}, "keep_dims", false), in(b, "x", 2, 3, 4)));
        c.put("conv1d", b -> b.op("conv", "n", Attributes.of("strides", new int[]{2}, "pads", new int[]{1, 2}, "groups", 2),
                in(b, "x", 1, 4, 17), weight(b, 6, 2, 5), weight(b, 6)));
        c.put("conv2d", b -> b.op("conv", "n", Attributes.of("strides", new int[]{2, 1}, "pads", new int[]{1, 0, 0, 1}, "dilations", new int[]{1, 2}),
                in(b, "x", 1, 3, 9, 8), weight(b, 4, 3, 3, 2)));
        c.put("conv_transpose1d", b -> b.op("conv_transpose", "n", Attributes.of("strides", new int[]{4}, "pads", new int[]{1, 1}),
                in(b, "x", 1, 4, 6), weight(b, 4, 3, 8), weight(b, 3)));
        c.put("conv_transpose2d", b -> b.op("conv_transpose", "n", Attributes.of("strides", new int[]{4, 1}),
                in(b, "x", 1, 4, 5, 3), weight(b, 4, 2, 8, 1)));
        c.put("linear2d", b -> b.op("linear", "n", null, in(b, "x", 5, 8), weight(b, 3, 8), weight(b, 3)));
        c.put("linear3d", b -> b.op("linear", "n", null, in(b, "x", 2, 5, 8), weight(b, 3, 8), weight(b, 3)));
        c.put("linear3d_nobias", b -> b.op("linear", "n", null, in(b, "x", 2, 5, 8), weight(b, 3, 8)));
        c.put("matmul", b -> b.op("matmul", "n", null, in(b, "x", 2, 3, 4), in(b, "y", 2, 4, 5)));
        c.put("matmul_transposed", b -> b.op("matmul", "n", Attributes.of("transpose_x", true, "transpose_y", true),
                in(b, "x", 2, 4, 3), in(b, "y", 5, 4)));
        c.put("softmax", b -> b.op("softmax", "n", Attributes.of("axis", 1), in(b, "x", 2, 5, 3)));
        c.put("layer_norm", b -> b.op("layer_norm", "n", Attributes.of("axes", new int[]{-1}, "epsilon", 1e-5), in(b, "x", 2, 3, 8), weight(b, 8), weight(b, 8)));
        c.put("layer_norm_plain", b -> b.op("layer_norm", "n", Attributes.of("axes", new int[]{1, 2}), in(b, "x", 2, 3, 8)));
        c.put("group_norm", b -> b.op("group_norm", "n", Attributes.of("num_groups", 2), in(b, "x", 2, 6, 5), weight(b, 6), weight(b, 6)));
        c.put("group_norm_4d", b -> b.op("group_norm", "n", Attributes.of("num_groups", 3, "epsilon", 1e-3), in(b, "x", 1, 6, 4, 5), weight(b, 6)));
        c.put("group_norm_plain", b -> b.op("group_norm", "n", Attributes.of("num_groups", 1), in(b, "x", 2, 4, 7)));
        c.put("glu", b -> b.op("glu", "n", Attributes.of("axis", 1), in(b, "x", 2, 8, 3)));
        c.put("transpose", b -> b.op("transpose", "n", Attributes.of("perm", new int[]{2, 0, 1}), in(b, "x", 2, 3, 4)));
        c.put("reshape", b -> b.op("reshape", "n", Attributes.of("shape", new int[]{4, -1}), in(b, "x", 2, 3, 4)));
        c.put("slice", b -> b.op("slice", "n", Attributes.of("begin", new int[]{0, 1, 2}, "end", new int[]{2, 3, 4}), in(b, "x", 2, 3, 6)));
        c.put("concat", b -> b.op("concat", "n", Attributes.of("axis", -1), in(b, "x", 2, 3), in(b, "y", 2, 5), weight(b, 2, 1)));
        c.put("split", b -> {
            List<Value> parts = b.opMulti("split", "n", Attributes.of("axis", 1, "sizes", new int[]{1, 3, 2}), in(b, "x", 2, 6));
            return b.op("concat", "join", Attributes.of("axis", 1), parts.get(2), parts.get(0), parts.get(1));
        });
        c.put("pad_constant", b -> b.op("pad", "n", Attributes.of("pads", new int[]{0, 0, 1, 2, 3, 0}, "value", 0.5), in(b, "x", 1, 2, 4)));
        c.put("pad_reflect", b -> b.op("pad", "n", Attributes.of("pads", new int[]{0, 0, 0, 0, 3, 2}, "mode", "reflect"), in(b, "x", 1, 2, 6)));
        return c;
    }

    private static final Map<GraphBuilder, Map<String, Value>> INPUTS = new java.util.IdentityHashMap<>();
    private static final Random RANDOM = new Random(42);

    private static Value in(GraphBuilder b, String name, int... shape) {
        Map<String, Value> m = INPUTS.computeIfAbsent(b, k -> new LinkedHashMap<>());
        return m.computeIfAbsent(name, n -> b.input(n, TensorType.f32(shape)));
    }

    private static Value find(GraphBuilder b, String name) { return INPUTS.get(b).get(name); }

    private static Value weight(GraphBuilder b, int... shape) {
        return b.constant("w", random(shape));
    }

    private static Tensor random(int... shape) {
        float[] v = new float[(int) TensorType.f32(shape).numel()];
        for (int i = 0; i < v.length; i++) v[i] = (float) RANDOM.nextGaussian();
        return Tensor.ofFloats(shape, v);
    }

    static Stream<Arguments> opsetsAndCases() {
        List<Arguments> a = new ArrayList<>();
        for (String c : cases().keySet()) for (int o : OPSETS) a.add(Arguments.of(c, o));
        return a.stream();
    }

    private static LoadedModel graph(String name) {
        GraphBuilder b = new GraphBuilder(name);
        Value out = cases().get(name).apply(b);
        b.output("out", out);
        return new LoadedModel(b.build(), null);
    }

    private static Map<String, Tensor> feeds(Graph g) {
        Map<String, Tensor> f = new LinkedHashMap<>();
        for (Value v : g.inputs()) f.put(v.name(), random(v.type().shape()));
        return f;
    }

    private static void assertClose(String what, Tensor reference, Tensor test) {
        assertArrayEquals(reference.shape(), test.shape(), what + ": shape");
        Comparison c = Comparison.of(reference.toFloatArray(), test.toFloatArray());
        assertTrue(c.peak() > 0, what + ": reference is all zeros");
        assertTrue(c.maxAbsRelativeToPeak() <= ORT_VS_REFERENCE, what + ": " + c);
    }

    @ParameterizedTest(name = "{0} at opset {1}")
    @MethodSource("opsetsAndCases")
    void onnxRuntimeAgreesWithTheReferenceRuntime(String name, int opset) throws Exception {
        LoadedModel m = graph(name);
        Map<String, Tensor> in = feeds(m.graph());
        Tensor expected;
        try (Session s = InnerCases.runtime("reference").open(m.graph(), Options.NONE)) {
            expected = s.run(in).get("out");
        }
        try (Session s = InnerCases.runtime("onnxruntime").open(m.graph(), Options.of("opset", Integer.toString(opset)))) {
            assertClose(name + " opset " + opset + " ORT vs reference", expected, s.run(in).get("out"));
        }
        // Import the ONNX model back: the IR it gives computes the same.
        ModelProto proto = new OnnxGraphExporter(new OnnxExportOptions(opset, false)).export(m);
        LoadedModel back = OnnxModelLoader.toLoadedModel(proto, "round trip " + name, null, Options.NONE);
        try (Session s = InnerCases.runtime("reference").open(back.graph(), Options.NONE)) {
            assertClose(name + " opset " + opset + " IR→ONNX→IR vs IR", expected, s.run(in).get("out"));
        }
    }

    @Test
    void groupNormUsesTheOpsetsOwnOp() {
        assertEquals(Map.of("InstanceNormalization", 1), count(17, "group_norm", "InstanceNormalization", "GroupNormalization"));
        assertEquals(Map.of("GroupNormalization", 1), count(18, "group_norm", "InstanceNormalization", "GroupNormalization"));
        assertEquals(Map.of("GroupNormalization", 1), count(21, "group_norm", "InstanceNormalization", "GroupNormalization"));
        assertEquals(Map.of("Erf", 1), count(17, "gelu", "Erf", "Gelu"));
        assertEquals(Map.of("Gelu", 1), count(20, "gelu", "Erf", "Gelu"));
    }

    private static Map<String, Integer> count(int opset, String caseName, String... opTypes) {
        OnnxGraphExporter e = new OnnxGraphExporter(new OnnxExportOptions(opset, false));
        e.export(graph(caseName));
        Map<String, Integer> m = new LinkedHashMap<>();
        for (String t : opTypes) if (e.opCounts().containsKey(t)) m.put(t, e.opCounts().get(t));
        return m;
    }

    @Test
    void allStandardOpsButTheHostSideOnesHaveALowering() {
        for (String op : dev.htdemucs.ir.ops.OpRegistry.standard().all().keySet()) {
            if (op.equals("stft") || op.equals("istft") || op.equals("const")) continue;
            boolean covered = cases().keySet().stream().anyMatch(c -> c.equals(op) || c.startsWith(op) && !cases().containsKey(op) && c.charAt(op.length()) == '_'
                    || c.startsWith(op) && Character.isDigit(c.charAt(Math.min(c.length() - 1, op.length()))));
            assertTrue(covered, "IR op '" + op + "' has no lowering test case");
        }
    }

    @Test
    void exportedSmallGraphsPassTheOnnxChecker(@TempDir Path dir) throws Exception {
        for (String name : List.of("group_norm", "glu", "gelu", "linear3d", "pad_reflect", "reduce_mean", "split", "conv_transpose1d", "sin", "cos")) {
            Path out = dir.resolve(name + ".onnx");
            new OnnxEmitter().emit(graph(name), out, Options.NONE);
            OnnxChecker.check(out);
        }
    }
}

package dev.htdemucs.coreml;

import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where casts go for fp16 and mixed plans, fp16 weights, the fp16 overflow rule, and the selectors. */
class PrecisionCastsTest {

    /** x → conv → reduce_mean → mul(conv, mean) → relu → output, and a second fp16 consumer of x. */
    static Graph graph(float weightScale) {
        Random r = new Random(3);
        GraphBuilder b = new GraphBuilder("casts");
        Value x = b.input("x", TestSupport.f32(1, 4, 12));
        Value conv = b.op("conv", "conv", Attributes.of("pads", new int[]{1, 1}), x,
                b.constant("w", TestSupport.randn(r, weightScale, 4, 4, 3)), b.constant("b", TestSupport.randn(r, 0.1f, 4)));
        Value mean = b.op("reduce_mean", "mean", Attributes.of("axes", new int[]{2}, "keep_dims", true), conv);
        Value scaled = b.op("mul", "scaled", null, conv, mean);
        Value sig = b.op("sigmoid", "sig", null, x);
        b.output("out", b.op("relu", "relu", null, scaled));
        b.output("gate", sig);
        return b.build();
    }

    static List<Mil.Operation> ops(Path pkg) throws Exception {
        try (InputStream in = Files.newInputStream(MLPackageLayout.model(pkg))) {
            MlModel.Model m = MlModel.Model.parseFrom(in);
            return m.getMlProgram().getFunctionsMap().get("main").getBlockSpecializationsMap().get("CoreML7").getOperationsList();
        }
    }

    static String describe(List<Mil.Operation> ops) {
        List<String> s = new ArrayList<>();
        for (Mil.Operation op : ops) {
            if (op.getType().equals("const")) continue;
            Mil.TensorType t = op.getOutputs(0).getType().getTensorType();
            s.add(op.getType() + "(" + String.join(",", op.getInputsMap().getOrDefault("x", Mil.Argument.getDefaultInstance())
                    .getArgumentsList().stream().map(Mil.Argument.Binding::getName).toList()) + ")->" + op.getOutputs(0).getName() + ":" + t.getDataType());
        }
        return String.join("\n", s);
    }

    @Test
    void mixedPlanCastsAtRegionBoundariesOnly(@TempDir Path dir) throws Exception {
        Graph g = graph(0.3f);
        PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, "mixed").select(new LoadedModel(g, TestSupport.NO_METADATA), Options.NONE);
        assertEquals(Precision.FP32, plan.byNode().get("mean"));
        assertEquals(Precision.FP16, plan.byNode().get("conv"));
        Path pkg = dir.resolve("mixed.mlpackage");
        TestSupport.emit(g, plan, pkg, Options.NONE);
        String expected = String.join("\n",
                "cast(x)->x_to_fp16:FLOAT16",                      // one cast after the input, shared by conv and sigmoid
                "conv(x_to_fp16)->conv:FLOAT16",
                "cast(conv)->conv_to_fp32:FLOAT32",                // into the fp32 reduce_mean
                "reduce_mean(conv_to_fp32)->mean:FLOAT32",
                "cast(mean)->mean_to_fp16:FLOAT16",                // back into fp16
                "mul(conv)->scaled:FLOAT16",
                "sigmoid(x_to_fp16)->sig:FLOAT16",
                "relu(scaled)->relu:FLOAT16",
                "cast(relu)->out:FLOAT32",                         // model outputs stay fp32, named as outputs
                "cast(sig)->gate:FLOAT32");
        assertEquals(expected, describe(ops(pkg)));
        // conv weights are stored as fp16 in the blob: no cast op on weights
        for (Mil.Operation op : ops(pkg)) {
            if (op.getType().equals("const") && op.getOutputs(0).getName().startsWith("w")) {
                assertEquals(Mil.DataType.FLOAT16, op.getOutputs(0).getType().getTensorType().getDataType());
                assertTrue(op.getAttributesMap().get("val").hasBlobFileValue());
            }
        }
        // inputs and outputs of the model stay fp32
        MlModel.Model m;
        try (InputStream in = Files.newInputStream(MLPackageLayout.model(pkg))) {
            m = MlModel.Model.parseFrom(in);
        }
        assertEquals(dev.htdemucs.coreml.proto.FeatureTypes.ArrayFeatureType.ArrayDataType.FLOAT32,
                m.getDescription().getOutput(0).getType().getMultiArrayType().getDataType());
        assertEquals(Mil.DataType.FLOAT32, m.getMlProgram().getFunctionsMap().get("main").getInputs(0).getType().getTensorType().getDataType());

        // the package read back is the graph with its casts: the same ops in the same order, the same dtypes
        Graph withCasts = PrecisionCasts.apply(g, plan);
        assertEquals(signature(withCasts), signature(MLPackageReader.read(pkg).model().graph()));
        assertEquals(dev.htdemucs.ir.DType.FLOAT16, nodeNamed(withCasts, "conv").output().type().dtype());
        assertEquals(dev.htdemucs.ir.DType.FLOAT32, nodeNamed(withCasts, "mean").output().type().dtype());
        assertEquals("cast", nodeNamed(withCasts, "mean_to_fp16").op());
        assertEquals(dev.htdemucs.ir.DType.FLOAT16, nodeNamed(withCasts, "w_fp16").output().type().dtype(), "fp16 weights, no cast");
    }

    /** Non-const nodes as "op:dtype of each output", in graph order. */
    static List<String> signature(Graph g) {
        List<String> s = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (!n.op().equals("const")) s.add(n.op() + ":" + n.outputs().stream().map(v -> v.type().dtype().toString()).toList());
        }
        return s;
    }

    private static Node nodeNamed(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void constantsBeyondFp16RangeKeepTheirOpInFp32(@TempDir Path dir) throws Exception {
        Graph g = graph(1f);
        Tensor w = g.nodes().stream().filter(n -> n.name().equals("w")).findFirst().orElseThrow().output().constantValue();
        float[] v = w.toFloatArray();
        v[5] = 70000f; // beyond 65504
        GraphBuilder b = new GraphBuilder("overflow");
        Value x = b.input("x", TestSupport.f32(1, 4, 12));
        Value conv = b.op("conv", "conv", Attributes.of("pads", new int[]{1, 1}), x, b.constant("w", Tensor.ofFloats(w.shape(), v)));
        b.output("out", b.op("relu", "relu", null, conv));
        Graph overflow = b.build();
        PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, "fp16").select(new LoadedModel(overflow, TestSupport.NO_METADATA), Options.NONE);
        assertEquals(Precision.FP32, plan.byNode().get("conv"), "selector keeps the overflowing conv in fp32");
        assertEquals(Precision.FP16, plan.byNode().get("relu"));
        // even when a plan asks for fp16, the emitter keeps it fp32
        Path pkg = dir.resolve("overflow.mlpackage");
        TestSupport.emit(overflow, PrecisionPlan.uniform(Precision.FP16), pkg, Options.NONE);
        String ops = describe(ops(pkg));
        assertTrue(ops.startsWith("conv(x)->conv:FLOAT32\ncast(conv)->conv_to_fp16:FLOAT16\nrelu(conv_to_fp16)->relu:FLOAT16"), ops);
        Map<String, Tensor> in = TestSupport.inputs(overflow, 5, false);
        Map<String, Tensor> out = TestSupport.runPackage(pkg, in);
        for (float f : out.get("out").toFloatArray()) assertTrue(Float.isFinite(f), "finite results");
    }

    /** The cast pair an IR graph asks for is written once, and a cast to a dtype already held is free. */
    @Test
    void irCastsReuseHeldValues(@TempDir Path dir) throws Exception {
        GraphBuilder b = new GraphBuilder("ircasts");
        Value x = b.input("x", TestSupport.f32(2, 3));
        Value s = b.op("sigmoid", "s", null, x);
        Value h = b.op("cast", "h", Attributes.of("dtype", dev.htdemucs.ir.DType.FLOAT16), s);
        Value h2 = b.op("cast", "h2", Attributes.of("dtype", dev.htdemucs.ir.DType.FLOAT16), s);
        Value f = b.op("cast", "f", Attributes.of("dtype", dev.htdemucs.ir.DType.FLOAT32), h);
        b.output("sum", b.op("add", "sum", null, f, b.op("cast", "f2", Attributes.of("dtype", dev.htdemucs.ir.DType.FLOAT32), h2)));
        Path pkg = dir.resolve("c.mlpackage");
        // sigmoid computes in fp16: the IR casts to fp16 are the sigmoid result itself, the casts back share one op
        PrecisionPlan plan = new PrecisionPlan(Map.of("s", Precision.FP16), Precision.FP32);
        TestSupport.emit(b.build(), plan, pkg, Options.NONE);
        assertEquals(String.join("\n", "cast(x)->x_to_fp16:FLOAT16", "sigmoid(x_to_fp16)->s:FLOAT16",
                "cast(s)->s_to_fp32:FLOAT32", "add(s_to_fp32)->sum:FLOAT32"), describe(ops(pkg)));
    }

    /** A constant cast to fp16 and back is rounded; the constant itself, used elsewhere in fp32, is not. */
    @Test
    void roundedConstantDoesNotReplaceTheOriginal(@TempDir Path dir) throws Exception {
        GraphBuilder b = new GraphBuilder("constcasts");
        Value x = b.input("x", TestSupport.f32(12));
        float[] v = new float[12];
        for (int i = 0; i < v.length; i++) v[i] = 1f + i * 1e-4f; // not representable in fp16
        Value c = b.constant("c", Tensor.ofFloats(new int[]{12}, v));
        Value rounded = b.op("cast", "back", Attributes.of("dtype", dev.htdemucs.ir.DType.FLOAT32),
                b.op("cast", "half", Attributes.of("dtype", dev.htdemucs.ir.DType.FLOAT16), c));
        b.output("exact", b.op("add", "exact", null, x, c));
        b.output("rounded", b.op("add", "rounded_sum", null, x, rounded));
        Graph g = b.build();
        Path pkg = dir.resolve("c.mlpackage");
        TestSupport.emit(g, PrecisionPlan.uniform(Precision.FP32), pkg, Options.NONE);
        Map<String, Tensor> in = Map.of("x", Tensor.ofFloats(new int[]{12}, new float[12]));
        Map<String, Tensor> out = TestSupport.runPackage(pkg, in);
        float[] exact = out.get("exact").toFloatArray(), r = out.get("rounded").toFloatArray();
        for (int i = 0; i < v.length; i++) {
            assertEquals(v[i], exact[i], "constant used in fp32 keeps its value");
            assertEquals(dev.htdemucs.ir.Float16.round(v[i]), r[i], "constant cast to fp16 is rounded");
        }
    }
}

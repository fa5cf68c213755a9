package dev.htdemucs.onnx;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.onnx.proto.OnnxProto.AttributeProto;
import dev.htdemucs.onnx.proto.OnnxProto.GraphProto;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;
import dev.htdemucs.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorShapeProto;
import dev.htdemucs.onnx.proto.OnnxProto.TypeProto;
import dev.htdemucs.onnx.proto.OnnxProto.ValueInfoProto;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** torch.onnx's opset-17 export of the tiny6 inner network (golden/tiny6/inner.onnx): import, run, re-export. */
class OnnxInnerImportTest {
    /** ONNX Runtime vs PyTorch (golden), float32 both: max abs error relative to the golden peak. */
    static final double ORT_VS_GOLDEN = 1e-4;
    /** Our reference runtime on the imported IR vs ONNX Runtime on the same file. */
    static final double REFERENCE_VS_ORT = 1e-5;
    /** Our reference runtime on the imported IR vs PyTorch (golden). */
    static final double REFERENCE_VS_GOLDEN = 1e-5;
    /** ONNX Runtime on our re-export vs ONNX Runtime on the original file. */
    static final double REEXPORT_VS_ORT = 1e-5;
    /**
     * ONNX Runtime on our re-export vs PyTorch (golden): our export stages the large reductions (see
     * {@link #onnxRuntimeReductionsAccumulateInFloat32}), so it is as close to PyTorch as the reference runtime.
     */
    static final double REEXPORT_VS_GOLDEN = 1e-5;
    /** Relative error of a sum over the synth_song spectrogram as our export stages it, run by ONNX Runtime. */
    static final double STAGED_SUM_RELATIVE = 1e-6;
    /**
     * Re-export with weights=fp16: the checkpoint's weights are fp16 values already, so storing them as
     * fp16 is lossless; only import-time constants such as the transformer's sinusoidal embeddings round.
     */
    static final double FP16_WEIGHTS_VS_GOLDEN = ORT_VS_GOLDEN;

    static Path innerOnnx;
    static LoadedModel imported;
    /** ONNX Runtime's outputs on inner.onnx, per case. */
    static final Map<String, Map<String, Tensor>> ORT_ON_ORIGINAL = new java.util.HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        innerOnnx = InnerCases.tiny6().file("inner.onnx");
        imported = new OnnxModelLoader().load(innerOnnx, Options.NONE);
        try (Session s = InnerCases.runtime("onnxruntime").open(innerOnnx, Options.NONE)) {
            for (String c : InnerCases.CASES) ORT_ON_ORIGINAL.put(c, s.run(InnerCases.inputs(c)));
        }
    }

    @Test
    void importedGraphHasTheInnerSignatureAndOnlyIrOps() {
        Graph g = imported.graph();
        assertEquals(TensorType.f32(1, 2, 22050), g.input("mix").type());
        assertEquals(TensorType.f32(1, 4, 2048, 22), g.input("spec").type());
        assertEquals(TensorType.f32(1, 6, 4, 2048, 22), g.output("spec_out").type());
        assertEquals(TensorType.f32(1, 6, 2, 22050), g.output("wave_out").type());
        Map<String, Integer> ops = g.opHistogram();
        System.out.println("imported inner.onnx: " + g + " " + ops);
        // Every Erf of the export is part of an exact GELU; the 68 InstanceNormalizations are GroupNorms.
        assertEquals(50, ops.get("gelu"));
        assertEquals(68, ops.get("group_norm"));
        assertEquals(92, ops.get("conv"));
        assertEquals(8, ops.get("conv_transpose"));
        assertFalse(ops.containsKey("stft") || ops.containsKey("istft"));
        // Shape arithmetic is folded: all consts the IR keeps are float weights or embeddings.
        assertTrue(g.nodes().stream().filter(n -> n.op().equals("const")).allMatch(n -> n.output().type().dtype().isFloatingPoint()));
        assertTrue(g.constantElementCount() >= InnerCases.tiny6().parameters(),
                "consts hold " + g.constantElementCount() + " elements, fewer than the model's " + InnerCases.tiny6().parameters() + " parameters");
    }

    @Test
    void metadataIsDerivedFromTheShapesAndOptions() throws Exception {
        LoadedModel m = new OnnxModelLoader().load(innerOnnx, Options.of("sources", String.join(",", InnerCases.tiny6().sources())));
        assertEquals(InnerCases.tiny6().sources(), m.metadata().sources());
        assertEquals(2, m.metadata().audioChannels());
        assertEquals(22050, m.metadata().segmentSamples());
        assertEquals(4096, m.metadata().nfft());
        assertEquals(1024, m.metadata().hop());
        assertEquals(22, m.metadata().frames());
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void onnxRuntimeOnInnerOnnxMatchesGolden(String caseName) {
        InnerCases.assertClose("ORT(inner.onnx) vs golden " + caseName, InnerCases.golden(caseName), ORT_ON_ORIGINAL.get(caseName), ORT_VS_GOLDEN);
    }

    @Test
    void sessionOnAFileReportsStaticTypes() throws Exception {
        try (Session s = InnerCases.runtime("onnxruntime").open(innerOnnx, Options.of("threads", "1", "inter_threads", "1"))) {
            assertEquals(Set.of("mix", "spec"), s.inputTypes().keySet());
            assertEquals(TensorType.f32(1, 4, 2048, 22), s.inputTypes().get("spec"));
            // torch.onnx declared wave_out with symbolic dimensions; the session resolves them by importing the file.
            assertEquals(TensorType.f32(1, 6, 2, 22050), s.outputTypes().get("wave_out"));
            assertEquals(TensorType.f32(1, 6, 4, 2048, 22), s.outputTypes().get("spec_out"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void referenceRuntimeOnImportedGraphMatchesGolden(String caseName) throws Exception {
        try (Session s = InnerCases.runtime("reference").open(imported.graph(), Options.NONE)) {
            InnerCases.assertClose("reference(imported) vs golden " + caseName, InnerCases.golden(caseName),
                    s.run(InnerCases.inputs(caseName)), REFERENCE_VS_GOLDEN);
        }
    }

    /**
     * white_noise only: on synth_song ONNX Runtime itself is 1.05e-5 × peak off PyTorch in spec_out, from its
     * float32 accumulation in the ReduceMeans of the input normalisation over 180 224 elements (see
     * {@link #onnxRuntimeReductionsAccumulateInFloat32}): its std of spec is 1.5e-5 low, which scales both the
     * normalised input of the network and the de-normalised spec_out (not a pure output scale: the network is not
     * linear). The reference runtime is 3.7e-7 × peak off PyTorch there, so the gap between the two is ORT's, not
     * the import's; {@link #referenceRuntimeMatchesOnnxRuntimeOnInnerOnnxWithExactStatistics} holds every case to
     * the same tolerance with only those reductions changed.
     */
    @Test
    void referenceRuntimeOnImportedGraphMatchesOnnxRuntime() throws Exception {
        try (Session s = InnerCases.runtime("reference").open(imported.graph(), Options.NONE)) {
            InnerCases.assertClose("reference(imported) vs ORT(inner.onnx) white_noise", ORT_ON_ORIGINAL.get("white_noise"),
                    s.run(InnerCases.inputs("white_noise")), REFERENCE_VS_ORT);
        }
    }

    /**
     * The comparison above on every case, with ORT running torch's graph as written except its six ReduceMean nodes
     * (mean and std of spec over 180 224 elements and of mix over 44 100), which get their input cast to float64
     * and their result cast back: ORT's float32 ReduceMean kernel sums in eight float32 partial sums, 1e-5 to 4e-5
     * relative off on these statistics, while every other node of the file is left to ORT's own kernels. Measured:
     * 2.7e-7 × peak on synth_song (1.0e-5 with the float32 ReduceMeans).
     */
    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void referenceRuntimeMatchesOnnxRuntimeOnInnerOnnxWithExactStatistics(String caseName, @TempDir Path dir) throws Exception {
        var original = ModelProto.parseFrom(Files.readAllBytes(innerOnnx));
        var graph = original.getGraph().toBuilder().clearNode();
        int widened = 0;
        for (var node : original.getGraph().getNodeList()) {
            if (!node.getOpType().equals("ReduceMean")) {
                graph.addNode(node);
                continue;
            }
            String in = node.getName() + "/float64_in", out = node.getName() + "/float64_out";
            graph.addNode(castNode(node.getName() + "/to_float64", node.getInput(0), in, TensorProto.DataType.DOUBLE_VALUE));
            graph.addNode(node.toBuilder().setInput(0, in).setOutput(0, out));
            graph.addNode(castNode(node.getName() + "/to_float32", out, node.getOutput(0), TensorProto.DataType.FLOAT_VALUE));
            widened++;
        }
        assertEquals(6, widened, "inner.onnx's ReduceMean nodes (mean, mean, variance of spec and of mix)");
        Path exactStatistics = dir.resolve("inner_float64_statistics.onnx");
        Files.write(exactStatistics, original.toBuilder().setGraph(graph).build().toByteArray());
        Map<String, Tensor> inputs = InnerCases.inputs(caseName);
        try (Session ort = InnerCases.runtime("onnxruntime").open(exactStatistics, Options.NONE);
             Session reference = InnerCases.runtime("reference").open(imported.graph(), Options.NONE)) {
            InnerCases.assertClose("reference(imported) vs ORT(inner.onnx, float64 ReduceMeans) " + caseName, ort.run(inputs),
                    reference.run(inputs), REFERENCE_VS_ORT);
        }
    }

    private static NodeProto castNode(String name, String input, String output, int to) {
        return NodeProto.newBuilder().setOpType("Cast").setName(name).addInput(input).addOutput(output)
                .addAttribute(AttributeProto.newBuilder().setName("to")
                        .setType(AttributeProto.AttributeType.INT).setI(to))
                .build();
    }

    /**
     * Why synth_song is left out above: ORT's raw ReduceSum (as torch.onnx writes it in inner.onnx) of the squares
     * over the synth_song spectrogram is off by more than 1e-5 relative (float32 accumulation), while the reference
     * runtime agrees with a float64 sum. Our emitter stages such reductions (OnnxLowerings.stagedReduce), so
     * ORT on our export of the same IR sum is within {@link #STAGED_SUM_RELATIVE}. Should ORT's raw reductions
     * become exact, this fails and synth_song can join the comparison above.
     */
    @Test
    void onnxRuntimeReductionsAccumulateInFloat32(@TempDir Path dir) throws Exception {
        Tensor spec = InnerCases.inputs("synth_song").get("spec");
        dev.htdemucs.ir.GraphBuilder b = new dev.htdemucs.ir.GraphBuilder("sum_of_squares");
        dev.htdemucs.ir.Value x = b.input("spec", spec.type());
        dev.htdemucs.ir.Value sq = b.op("mul", "sq", null, x, x);
        b.output("ss", b.op("reduce_sum", "ss", dev.htdemucs.ir.Attributes.of("axes", new int[]{1, 2, 3}), sq));
        double exact = 0;
        for (float f : spec.toFloatArray()) exact += (double) (f * f);
        float raw, staged, ref;
        Path rawModel = dir.resolve("raw_reduce_sum.onnx");
        Files.write(rawModel, rawSumOfSquares(spec.type()).toByteArray());
        try (Session s = InnerCases.runtime("onnxruntime").open(rawModel, Options.NONE)) {
            raw = s.run(Map.of("spec", spec)).get("ss").toFloatArray()[0];
        }
        try (Session s = InnerCases.runtime("onnxruntime").open(b.build(), Options.NONE)) {
            staged = s.run(Map.of("spec", spec)).get("ss").toFloatArray()[0];
        }
        try (Session s = InnerCases.runtime("reference").open(b.build(), Options.NONE)) {
            ref = s.run(Map.of("spec", spec)).get("ss").toFloatArray()[0];
        }
        double rawError = Math.abs(raw - exact) / exact, stagedError = Math.abs(staged - exact) / exact, refError = Math.abs(ref - exact) / exact;
        System.out.printf("sum of squares of synth_song spec: float64 %.9e, ORT raw ReduceSum %.9e (relative %.2e),"
                        + " ORT staged (our export) %.9e (relative %.2e), reference %.9e (relative %.2e)%n",
                exact, raw, rawError, staged, stagedError, ref, refError);
        assertTrue(refError < 1e-7, "reference runtime sum is off by " + refError);
        assertTrue(stagedError < STAGED_SUM_RELATIVE, "ORT on our staged export of the sum is off by " + stagedError);
        assertTrue(rawError > 1e-5, "ORT's raw ReduceSum is now exact to " + rawError + ": add synth_song to the reference-vs-ORT test");
    }

    /** Mul + one ReduceSum over axes 1..3 with keepdims=0, opset 17, as torch.onnx writes a reduction. */
    private static ModelProto rawSumOfSquares(TensorType specType) {
        var shape = TensorShapeProto.newBuilder();
        for (int d : specType.shape()) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        var type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape));
        var axes = TensorProto.newBuilder().setName("axes").addDims(3)
                .setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(1).addInt64Data(2).addInt64Data(3);
        var keepdims = AttributeProto.newBuilder().setName("keepdims")
                .setType(AttributeProto.AttributeType.INT).setI(0);
        var graph = GraphProto.newBuilder().setName("raw_sum_of_squares")
                .addNode(NodeProto.newBuilder().setOpType("Mul").setName("sq").addInput("spec").addInput("spec").addOutput("sq"))
                .addNode(NodeProto.newBuilder().setOpType("ReduceSum").setName("ss").addInput("sq").addInput("axes").addOutput("ss")
                        .addAttribute(keepdims))
                .addInitializer(axes)
                .addInput(ValueInfoProto.newBuilder().setName("spec").setType(type))
                .addOutput(ValueInfoProto.newBuilder().setName("ss").setType(
                        TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.FLOAT_VALUE)
                                .setShape(TensorShapeProto.newBuilder()))));
        return ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph).build();
    }

    @ParameterizedTest
    @ValueSource(ints = {17, 18, 20, 21})
    void reExportRunsInOnnxRuntimeLikeTheOriginal(int opset, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("reexport.onnx");
        var result = new OnnxEmitter().emit(imported, out, Options.of("opset", Integer.toString(opset)));
        System.out.println("re-export: " + result.summary() + " " + result.opCounts());
        assertEquals(out, result.path());
        if (opset >= 20) assertEquals(50, result.opCounts().get("Gelu"));
        else assertEquals(50, result.opCounts().get("Erf"));
        try (Session s = InnerCases.runtime("onnxruntime").open(out, Options.NONE)) {
            for (String caseName : InnerCases.CASES) {
                Map<String, Tensor> reexported = s.run(InnerCases.inputs(caseName));
                // On synth_song ORT on inner.onnx is itself 1.05e-5 × peak off PyTorch (its raw float32 reductions, see
                // onnxRuntimeReductionsAccumulateInFloat32); our re-export stages them, so there it is held to PyTorch instead.
                if (!caseName.equals("synth_song")) {
                    InnerCases.assertClose("ORT(re-export opset " + opset + ") vs ORT(inner.onnx) " + caseName, ORT_ON_ORIGINAL.get(caseName), reexported, REEXPORT_VS_ORT);
                }
                InnerCases.assertClose("ORT(re-export opset " + opset + ") vs golden " + caseName, InnerCases.golden(caseName), reexported, REEXPORT_VS_GOLDEN);
            }
        }
    }

    @Test
    void reExportPassesTheOnnxChecker(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("reexport17.onnx");
        new OnnxEmitter().emit(imported, out, Options.NONE);
        OnnxChecker.check(out);
    }

    @Test
    void fp16WeightsHalveTheFileAndStayCloseToGolden(@TempDir Path dir) throws Exception {
        Path fp32 = dir.resolve("fp32.onnx"), fp16 = dir.resolve("fp16.onnx");
        long bytes32 = new OnnxEmitter().emit(imported, fp32, Options.NONE).bytes();
        long bytes16 = new OnnxEmitter().emit(imported, fp16, Options.of("weights", "fp16")).bytes();
        System.out.println("weights fp32 " + bytes32 + " bytes, fp16 " + bytes16 + " bytes");
        assertTrue(bytes16 < 0.6 * bytes32, "fp16 file " + bytes16 + " bytes is not about half of " + bytes32);
        try (Session s = InnerCases.runtime("onnxruntime").open(fp16, Options.NONE)) {
            InnerCases.assertClose("ORT(weights=fp16) vs golden white_noise", InnerCases.golden("white_noise"),
                    s.run(InnerCases.inputs("white_noise")), FP16_WEIGHTS_VS_GOLDEN);
        }
        OnnxChecker.check(fp16);
    }

    @Test
    void runtimeRunsTheImportedGraphInMemory() throws Exception {
        try (Session s = InnerCases.runtime("onnxruntime").open(imported.graph(), Options.of("threads", "1", "optimization", "basic"))) {
            assertEquals(imported.graph().output("spec_out").type(), s.outputTypes().get("spec_out"));
            InnerCases.assertClose("ORT(in-memory export, 1 thread, basic) vs golden white_noise", InnerCases.golden("white_noise"),
                    s.run(InnerCases.inputs("white_noise")), ORT_VS_GOLDEN);
        }
    }
}

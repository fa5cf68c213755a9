package dev.htdemucs.onnx;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
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
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files and graphs the backend must refuse, with messages that say what is wrong and where. */
class OnnxBadInputTest {

    private static PluginException loadFails(Path file) {
        PluginException e = assertThrows(PluginException.class, () -> new OnnxModelLoader().load(file, Options.NONE));
        System.out.println("refused " + file.getFileName() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(file.toString()), "message should name the file: " + e.getMessage());
        return e;
    }

    private static void assertMentions(Exception e, String... words) {
        for (String w : words) assertTrue(e.getMessage().contains(w), "message should mention '" + w + "': " + e.getMessage());
    }

    @Test
    void corruptFile(@TempDir Path dir) throws IOException {
        byte[] junk = new byte[4096];
        new Random(7).nextBytes(junk);
        Path f = dir.resolve("junk.onnx");
        Files.write(f, junk);
        assertMentions(loadFails(f), "not");
    }

    @Test
    void textFileIsNotAModel(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("readme.onnx");
        Files.writeString(f, "this is not a model\n");
        assertMentions(loadFails(f), "not");
    }

    @Test
    void truncatedFile(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(InnerCases.tiny6().file("inner.onnx"));
        for (int keep : new int[]{full.length / 2, full.length - 1000, 100}) {
            Path f = dir.resolve("truncated_" + keep + ".onnx");
            Files.write(f, java.util.Arrays.copyOf(full, keep));
            PluginException e = loadFails(f);
            assertTrue(e.getMessage().contains("truncated"), "message should suggest truncation: " + e.getMessage());
        }
    }

    @Test
    void emptyFile(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("empty.onnx");
        Files.write(f, new byte[0]);
        assertMentions(loadFails(f), "empty");
    }

    @Test
    void unknownOpIsNamedWithItsNode(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("unknown_op.onnx");
        Files.write(f, model(NodeProto.newBuilder().setName("my_node").setOpType("FrobnicateV2").addInput("x").addOutput("y").build(), "").toByteArray());
        assertMentions(loadFails(f), "FrobnicateV2", "my_node", "not supported");
    }

    @Test
    void opOfAnotherDomainIsRefused(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("domain.onnx");
        Files.write(f, model(NodeProto.newBuilder().setName("fused").setOpType("FusedGemm").setDomain("com.microsoft")
                .addInput("x").addOutput("y").build(), "").toByteArray());
        assertMentions(loadFails(f), "com.microsoft", "fused");
    }

    @Test
    void erfOutsideGeluIsExplained(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("erf.onnx");
        Files.write(f, model(NodeProto.newBuilder().setName("lonely_erf").setOpType("Erf").addInput("x").addOutput("y").build(), "").toByteArray());
        assertMentions(loadFails(f), "lonely_erf", "GELU");
    }

    @Test
    void missingOpsetImport(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("no_opset.onnx");
        ModelProto m = model(NodeProto.newBuilder().setName("r").setOpType("Relu").addInput("x").addOutput("y").build(), "").toBuilder()
                .clearOpsetImport().build();
        Files.write(f, m.toByteArray());
        assertMentions(loadFails(f), "opset_import");
    }

    @Test
    void undefinedValue(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("dangling.onnx");
        Files.write(f, model(NodeProto.newBuilder().setName("adder").setOpType("Add").addInput("x").addInput("ghost").addOutput("y").build(), "").toByteArray());
        assertMentions(loadFails(f), "ghost", "adder");
    }

    @Test
    void symbolicInputNeedsAShapeOption(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("symbolic.onnx");
        Files.write(f, model(NodeProto.newBuilder().setName("r").setOpType("Relu").addInput("x").addOutput("y").build(), "batch").toByteArray());
        assertMentions(loadFails(f), "batch", "shape.x");
        LoadedModel m = new OnnxModelLoader().load(f, Options.of("shape.x", "3,4"));
        assertEquals(TensorType.f32(3, 4), m.graph().input("x").type());
    }

    @Test
    void accepts(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("model.bin");
        Files.write(f, model(NodeProto.newBuilder().setName("r").setOpType("Relu").addInput("x").addOutput("y").build(), "").toByteArray());
        assertTrue(new OnnxModelLoader().accepts(f), "recognised by its leading bytes");
        Path text = dir.resolve("notes.txt");
        Files.writeString(text, "hello");
        assertFalse(new OnnxModelLoader().accepts(text));
        assertTrue(new OnnxModelLoader().accepts(InnerCases.tiny6().file("inner.onnx")));
        assertFalse(new OnnxModelLoader().accepts(InnerCases.tiny6().file("model.th")));
    }

    // ---------------------------------------------------------------- export side

    private static LoadedModel fullGraphWithStft() {
        GraphBuilder b = new GraphBuilder("full");
        Value mix = b.input("mix", TensorType.f32(1, 2, 4096));
        Value spec = b.op("stft", "stft", Attributes.of("n_fft", 4096, "hop", 1024), mix);
        b.output("spec", spec);
        return new LoadedModel(b.build(), null);
    }

    @Test
    void hostSideOpsAskForExtractInner(@TempDir Path dir) {
        Path out = dir.resolve("full.onnx");
        PluginException e = assertThrows(PluginException.class,
                () -> new OnnxEmitter().emit(fullGraphWithStft(), out, Options.NONE));
        System.out.println("refused: " + e.getMessage());
        assertMentions(e, "extract-inner", "stft");
        assertFalse(Files.exists(out), "nothing may be left at the destination");
        assertEquals(0, dir.toFile().list().length, "no temporary file may be left behind: " + java.util.Arrays.toString(dir.toFile().list()));
    }

    @Test
    void modelsAboveTheProtobufLimitNameExternalData() {
        GraphBuilder b = new GraphBuilder("big");
        Value x = b.input("x", TensorType.f32(1, 1000));
        Value w = b.constant("w", Tensor.ofFloats(new int[]{1000, 1000}, new float[1000 * 1000]));
        b.output("y", b.op("matmul", "mm", Attributes.EMPTY, x, w));
        // A 1 MB limit stands in for protobuf's 2 GiB one: the same check, without allocating 2 GiB.
        OnnxGraphExporter exporter = new OnnxGraphExporter(OnnxExportOptions.defaults(), 1 << 20);
        OnnxConversionException e = assertThrows(OnnxConversionException.class, () -> exporter.export(new LoadedModel(b.build(), null)));
        System.out.println("refused: " + e.getMessage());
        assertMentions(e, "external data", "2 GiB");
    }

    @Test
    void fp16PlansAndBadOptionsAreRefused(@TempDir Path dir) throws Exception {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.input("x", TensorType.f32(2, 3));
        b.output("y", b.op("relu", "act", Attributes.EMPTY, x));
        LoadedModel m = new LoadedModel(b.build(), null);
        Path out = dir.resolve("small.onnx");
        assertMentions(assertThrows(PluginException.class, () -> new OnnxEmitter().emit(m.withGraph(dev.htdemucs.precision.PrecisionCasts.apply(m.graph(), PrecisionPlan.uniform(Precision.FP16))), out, Options.NONE)), "fp16");
        assertMentions(assertThrows(PluginException.class, () -> new OnnxEmitter().emit(m, out, Options.of("opset", "16"))), "opset", "17");
        assertMentions(assertThrows(PluginException.class, () -> new OnnxEmitter().emit(m, out, Options.of("weights", "int8"))), "weights");
        assertMentions(assertThrows(PluginException.class, () -> new OnnxRuntimeRuntime().open(m.graph(), Options.of("optimization", "max"))), "optimization");
        assertFalse(Files.exists(out));
    }

    @Test
    void sessionChecksItsInputs() throws Exception {
        GraphBuilder b = new GraphBuilder("small");
        Value x = b.input("x", TensorType.f32(2, 3));
        b.output("y", b.op("relu", "act", Attributes.EMPTY, x));
        Session s = new OnnxRuntimeRuntime().open(b.build(), Options.NONE);
        Tensor ok = Tensor.ofFloats(new int[]{2, 3}, -1, 2, -3, 4, -5, 6);
        assertEquals(java.util.List.of(0f, 2f, 0f, 4f, 0f, 6f), boxed(s.run(Map.of("x", ok)).get("y").toFloatArray()));
        assertMentions(assertThrows(PluginException.class, () -> s.run(Map.of("x", Tensor.ofFloats(new int[]{3, 2}, new float[6])))), "'x'", "float32[2,3]");
        assertMentions(assertThrows(PluginException.class, () -> s.run(Map.of())), "needs input 'x'");
        assertMentions(assertThrows(PluginException.class, () -> s.run(Map.of("x", ok, "z", ok))), "no input 'z'");
        s.close();
        assertMentions(assertThrows(PluginException.class, () -> s.run(Map.of("x", ok))), "closed");
    }

    private static java.util.List<Float> boxed(float[] v) {
        java.util.List<Float> l = new java.util.ArrayList<>();
        for (float f : v) l.add(f);
        return l;
    }

    /** A one-node model: float input x [1, 4] (dimension 0 named {@code symbolicDim} when not empty), output y. */
    static ModelProto model(NodeProto node, String symbolicDim) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(symbolicDim.isEmpty() ? TensorShapeProto.Dimension.newBuilder().setDimValue(1)
                : TensorShapeProto.Dimension.newBuilder().setDimParam(symbolicDim));
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(4));
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)).build();
        GraphProto g = GraphProto.newBuilder().setName("g").addNode(node)
                .addInput(ValueInfoProto.newBuilder().setName("x").setType(type))
                .addOutput(ValueInfoProto.newBuilder().setName("y")).build();
        return ModelProto.newBuilder().setIrVersion(8).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(g).build();
    }
}

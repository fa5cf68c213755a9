package dev.htdemucs.onnx;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;
import dev.htdemucs.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The less common ways ONNX files store things, and graph shapes the exporter must name correctly. */
class OnnxModelFormsTest {

    /** y = x + w for x [1, 4], with w stored as given. */
    private static ModelProto addModel(TensorProto w) {
        NodeProto add = NodeProto.newBuilder().setName("add").setOpType("Add").addInput("x").addInput("w").addOutput("y").build();
        ModelProto m = OnnxBadInputTest.model(add, "");
        return m.toBuilder().setGraph(m.getGraph().toBuilder().addInitializer(w)).build();
    }

    private static float[] runReference(LoadedModel m, float... x) throws Exception {
        try (Session s = InnerCases.runtime("reference").open(m.graph(), Options.NONE)) {
            return s.run(Map.of("x", Tensor.ofFloats(new int[]{1, 4}, x))).get("y").toFloatArray();
        }
    }

    @Test
    void typedFloatDataInitializer() throws Exception {
        TensorProto w = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4)
                .addFloatData(1).addFloatData(2).addFloatData(3).addFloatData(4).build();
        LoadedModel m = OnnxModelLoader.toLoadedModel(addModel(w), "typed", null, Options.NONE);
        assertArrayEquals(new float[]{1.5f, 2.5f, 3.5f, 4.5f}, runReference(m, 0.5f, 0.5f, 0.5f, 0.5f));
    }

    @Test
    void externalDataIsMemoryMapped(@TempDir Path dir) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16 + 16).order(ByteOrder.LITTLE_ENDIAN);
        b.putFloat(99).putFloat(99).putFloat(99).putFloat(99);       // 16 bytes of something else first
        b.putFloat(10).putFloat(20).putFloat(30).putFloat(40);
        Files.write(dir.resolve("weights.bin"), b.array());
        TensorProto w = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("16"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("16")).build();
        Path model = dir.resolve("external.onnx");
        Files.write(model, addModel(w).toByteArray());
        LoadedModel m = new OnnxModelLoader().load(model, Options.NONE);
        assertArrayEquals(new float[]{11, 21, 31, 41}, runReference(m, 1, 1, 1, 1));

        TensorProto escaping = w.toBuilder().setExternalData(0, StringStringEntryProto.newBuilder().setKey("location").setValue("../weights.bin")).build();
        Path bad = dir.resolve("escaping.onnx");
        Files.write(bad, addModel(escaping).toByteArray());
        PluginException e = assertThrows(PluginException.class, () -> new OnnxModelLoader().load(bad, Options.NONE));
        assertTrue(e.getMessage().contains("inside the model's directory"), e.getMessage());
    }

    @Test
    void rawDataOfTheWrongSizeIsReported() {
        TensorProto w = TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(4)
                .setRawData(com.google.protobuf.ByteString.copyFrom(new byte[12])).build();
        OnnxConversionException e = assertThrows(OnnxConversionException.class,
                () -> OnnxModelLoader.toLoadedModel(addModel(w), "short raw_data", null, Options.NONE));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("16 bytes"), e.getMessage());
    }

    @Test
    void outputsThatAreInputsOrSharedGetTheirOwnNames(@TempDir Path dir) throws Exception {
        GraphBuilder b = new GraphBuilder("aliases");
        Value x = b.input("x", TensorType.f32(2, 2));
        Value r = b.op("relu", "act", Attributes.EMPTY, x);
        b.output("same_as_input", x).output("first", r).output("second", r);
        LoadedModel m = new LoadedModel(b.build(), null);
        Path out = dir.resolve("aliases.onnx");
        new OnnxEmitter().emit(m, out, Options.NONE);
        Tensor in = Tensor.ofFloats(new int[]{2, 2}, -1, 2, -3, 4);
        try (Session s = InnerCases.runtime("onnxruntime").open(out, Options.NONE)) {
            Map<String, Tensor> y = s.run(Map.of("x", in));
            assertEquals(java.util.Set.of("same_as_input", "first", "second"), y.keySet());
            assertArrayEquals(in.toFloatArray(), y.get("same_as_input").toFloatArray());
            assertArrayEquals(new float[]{0, 2, 0, 4}, y.get("first").toFloatArray());
            assertArrayEquals(new float[]{0, 2, 0, 4}, y.get("second").toFloatArray());
        }
        OnnxChecker.check(out);
    }

    @Test
    void constantNodeFormsAndShapeArithmeticFold() throws Exception {
        // y = Reshape(x, Concat(Shape(x)[0:1], [-1])) + Constant(value_floats): all parameters fold away.
        ModelProto base = OnnxBadInputTest.model(NodeProto.newBuilder().setName("shape").setOpType("Shape").addInput("x").addOutput("s").build(), "");
        var g = base.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("c").setOpType("Constant").addOutput("minus1")
                        .addAttribute(OnnxAttributes.ofInts("value_ints", -1)))
                .addNode(NodeProto.newBuilder().setName("first").setOpType("Slice").addInput("s").addInput("zero").addInput("one").addOutput("s0"))
                .addNode(NodeProto.newBuilder().setName("cat").setOpType("Concat").addInput("s0").addInput("minus1").addOutput("target")
                        .addAttribute(OnnxAttributes.ofInt("axis", 0)))
                .addNode(NodeProto.newBuilder().setName("reshape").setOpType("Reshape").addInput("x").addInput("target").addOutput("flat"))
                .addNode(NodeProto.newBuilder().setName("k").setOpType("Constant").addOutput("k")
                        .addAttribute(dev.htdemucs.onnx.proto.OnnxProto.AttributeProto.newBuilder().setName("value_floats")
                                .setType(dev.htdemucs.onnx.proto.OnnxProto.AttributeProto.AttributeType.FLOATS)
                                .addFloats(1).addFloats(2).addFloats(3).addFloats(4)))
                .addNode(NodeProto.newBuilder().setName("add").setOpType("Add").addInput("flat").addInput("k").addOutput("y"))
                .addInitializer(OnnxTensors.toProto("zero", TensorElements.int64s(0)))
                .addInitializer(OnnxTensors.toProto("one", TensorElements.int64s(1)));
        ModelProto m = base.toBuilder().setGraph(g).build();
        LoadedModel loaded = OnnxModelLoader.toLoadedModel(m, "folding", null, Options.NONE);
        assertEquals(Map.of("add", 1, "const", 1), loaded.graph().opHistogram(), "only the float constant and the add remain");
        assertArrayEquals(new float[]{2, 3, 4, 5}, runReference(loaded, 1, 1, 1, 1));
    }

    @Test
    void geluWrittenWithHalfFirstAndInverseSqrt2IsFused() throws Exception {
        // y = (x * 0.5) * (1 + erf(x * 0.70710677)): the other spelling of exact GELU.
        ModelProto base = OnnxBadInputTest.model(NodeProto.newBuilder().setName("scale").setOpType("Mul").addInput("x").addInput("inv_sqrt2").addOutput("s").build(), "");
        var g = base.getGraph().toBuilder()
                .addNode(NodeProto.newBuilder().setName("/block/Erf").setOpType("Erf").addInput("s").addOutput("e"))
                .addNode(NodeProto.newBuilder().setName("plus").setOpType("Add").addInput("one").addInput("e").addOutput("p"))
                .addNode(NodeProto.newBuilder().setName("half").setOpType("Mul").addInput("x").addInput("half").addOutput("h"))
                .addNode(NodeProto.newBuilder().setName("out").setOpType("Mul").addInput("h").addInput("p").addOutput("y"))
                .addInitializer(OnnxTensors.toProto("inv_sqrt2", Tensor.scalar((float) (1 / Math.sqrt(2)))))
                .addInitializer(OnnxTensors.toProto("one", Tensor.scalar(1f)))
                .addInitializer(OnnxTensors.toProto("half", Tensor.scalar(0.5f)));
        LoadedModel loaded = OnnxModelLoader.toLoadedModel(base.toBuilder().setGraph(g).build(), "gelu spelling", null, Options.NONE);
        assertEquals(Map.of("gelu", 1), loaded.graph().opHistogram());
        assertEquals("/block/Gelu", loaded.graph().nodes().get(0).name());
        float[] y = runReference(loaded, -2, -0.5f, 0.5f, 3);
        float[] expected = {-0.04550026f, -0.15426877f, 0.34573123f, 2.9959502f};
        for (int i = 0; i < 4; i++) assertEquals(expected[i], y[i], 1e-6, "gelu at element " + i);
    }
}

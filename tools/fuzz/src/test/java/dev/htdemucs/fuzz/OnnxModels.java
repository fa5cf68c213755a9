package dev.htdemucs.fuzz;

import com.google.protobuf.ByteString;
import dev.htdemucs.onnx.OnnxEmitter;
import dev.htdemucs.onnx.proto.OnnxProto.AttributeProto;
import dev.htdemucs.onnx.proto.OnnxProto.GraphProto;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;
import dev.htdemucs.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorShapeProto;
import dev.htdemucs.onnx.proto.OnnxProto.TypeProto;
import dev.htdemucs.onnx.proto.OnnxProto.ValueInfoProto;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ONNX files for the loader's fuzz target: {@link TinyModels#mixedOps} through our emitter, and a
 * hand-written model in the style of torch.onnx's shape arithmetic (Shape, Gather, Unsqueeze, Concat,
 * Reshape, ConstantOfShape, Range, Expand, Where, Slice), which the importer folds at load time.
 */
final class OnnxModels {
    static final int FLOAT = 1;
    static final int INT64 = 7;

    private OnnxModels() {
    }

    static byte[] emittedMixedOps(Path tmp) throws IOException, PluginException {
        Path file = tmp.resolve("mixed_ops.onnx");
        new OnnxEmitter().emit(TinyModels.mixedOps(), file, Options.NONE);
        return Files.readAllBytes(file);
    }

    /** x f32[1,2,4] reshaped via folded shape arithmetic to [1,8], plus folded zeros and a folded range. */
    static ModelProto shapeFolding() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("shape_folding")
                .addInput(tensorInput("x", FLOAT, 1, 2, 4))
                .addInitializer(int64s("idx2", new long[0], 2))
                .addInitializer(int64s("axes0", new long[] {1}, 0))
                .addInitializer(int64s("one", new long[] {1}, 1))
                .addInitializer(int64s("r_start", new long[0], 0))
                .addInitializer(int64s("r_limit", new long[0], 8))
                .addInitializer(int64s("r_delta", new long[0], 1))
                .addInitializer(int64s("starts", new long[] {1}, 2))
                .addInitializer(int64s("ends", new long[] {1}, 6))
                .addInitializer(int64s("slice_axes", new long[] {1}, 1));
        g.addNode(node("Shape", "shape", new String[] {"x"}, new String[] {"s"}));
        g.addNode(node("Gather", "gather", new String[] {"s", "idx2"}, new String[] {"n"}, intAttr("axis", 0)));
        g.addNode(node("Unsqueeze", "unsqueeze", new String[] {"n", "axes0"}, new String[] {"n1"}));
        g.addNode(node("Mul", "times2", new String[] {"n1", "one"}, new String[] {"n2"}));
        g.addNode(node("Add", "plus4", new String[] {"n2", "n1"}, new String[] {"flat"}));
        g.addNode(node("Concat", "concat", new String[] {"one", "flat"}, new String[] {"shp"}, intAttr("axis", 0)));
        g.addNode(node("Reshape", "reshape", new String[] {"x", "shp"}, new String[] {"y"}));
        g.addNode(node("ConstantOfShape", "zeros", new String[] {"shp"}, new String[] {"z"},
                AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                        .setT(floats("", new long[] {1}, 0.5f)).build()));
        g.addNode(node("Range", "range", new String[] {"r_start", "r_limit", "r_delta"}, new String[] {"r"}));
        g.addNode(node("Cast", "cast", new String[] {"r"}, new String[] {"rf"}, intAttr("to", FLOAT)));
        g.addNode(node("Expand", "expand", new String[] {"rf", "shp"}, new String[] {"re"}));
        g.addNode(node("Greater", "greater", new String[] {"re", "z"}, new String[] {"mask"}));
        g.addNode(node("Where", "where", new String[] {"mask", "re", "z"}, new String[] {"w"}));
        g.addNode(node("Slice", "slice", new String[] {"w", "starts", "ends", "slice_axes"}, new String[] {"ws"}));
        g.addNode(node("Slice", "slice_y", new String[] {"y", "starts", "ends", "slice_axes"}, new String[] {"ys"}));
        g.addNode(node("Add", "add", new String[] {"ys", "ws"}, new String[] {"out"}));
        g.addOutput(tensorInput("out", FLOAT, 1, 4));
        return model(g.build());
    }

    static ModelProto model(GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("htdemucs-fuzz")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .setGraph(graph).build();
    }

    static ValueInfoProto tensorInput(String name, int elemType, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)))
                .build();
    }

    /** A graph output declaring only its element type, so the loader checks nothing of its shape. */
    static ValueInfoProto untypedShapeOutput(String name, int elemType) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType))).build();
    }

    static TensorProto int64s(String name, long[] dims, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            raw.putLong(v);
        }
        return raw(name, INT64, dims, raw.array());
    }

    static TensorProto floats(String name, long[] dims, float... values) {
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return raw(name, FLOAT, dims, raw.array());
    }

    static TensorProto raw(String name, int dataType, long[] dims, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(dataType).setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    static NodeProto node(String op, String name, String[] inputs, String[] outputs, AttributeProto... attributes) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) {
            n.addInput(i);
        }
        for (String o : outputs) {
            n.addOutput(o);
        }
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        return n.build();
    }

    static AttributeProto intAttr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }
}

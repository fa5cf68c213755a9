package dev.htdemucs.onnx;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.onnx.proto.OnnxProto.AttributeProto;
import dev.htdemucs.onnx.proto.OnnxProto.GraphProto;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;
import dev.htdemucs.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.htdemucs.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorShapeProto;
import dev.htdemucs.onnx.proto.OnnxProto.TypeProto;
import dev.htdemucs.onnx.proto.OnnxProto.ValueInfoProto;
import dev.htdemucs.spi.LoadedModel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the ONNX {@link ModelProto} of an IR graph: graph inputs and outputs keep the IR's names
 * ({@code mix}, {@code spec}, {@code spec_out}, {@code wave_out}), consts become initializers, every other
 * node is lowered by {@link OnnxLowerings}. One exporter per model; it is the lowerings' context.
 */
final class OnnxGraphExporter {
    /** protobuf cannot serialize a message of 2 GiB or more. */
    static final long PROTOBUF_LIMIT = Integer.MAX_VALUE;

    private final OnnxExportOptions options;
    private final long sizeLimit;
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<Value, String> names = new HashMap<>();
    private final Set<String> taken = new HashSet<>();
    private final Set<String> nodeNames = new HashSet<>();
    private final Map<String, Integer> opCounts = new TreeMap<>();
    private Node current;

    OnnxGraphExporter(OnnxExportOptions options) { this(options, PROTOBUF_LIMIT); }

    /** {@code sizeLimit} lower than protobuf's lets tests exercise the too-large path. */
    OnnxGraphExporter(OnnxExportOptions options, long sizeLimit) {
        this.options = options;
        this.sizeLimit = sizeLimit;
    }

    int opset() { return options.opset(); }

    /** ONNX op type → node count of the last export. */
    Map<String, Integer> opCounts() { return opCounts; }

    ModelProto export(LoadedModel model) {
        Graph g = model.graph();
        try {
            new GraphValidator().validate(g);
        } catch (IrException e) {
            throw new OnnxConversionException("cannot export an invalid graph: " + e.getMessage(), e);
        }
        checkSize(g);
        for (Node host : g.hostSideNodes()) OnnxLowerings.refuseHostSide(host);
        for (Value in : g.inputs()) {
            names.put(in, in.name());
            taken.add(in.name());
            graph.addInput(valueInfo(in.name(), in.type()));
        }
        Set<Value> namedAsOutput = new HashSet<>();
        for (Map.Entry<String, Value> out : g.outputs().entrySet()) {
            if (!taken.add(out.getKey())) {
                throw new OnnxConversionException("graph output '" + out.getKey() + "' has the name of a graph input");
            }
            Value v = out.getValue();
            if (!v.isGraphInput() && namedAsOutput.add(v)) names.put(v, out.getKey());
        }
        for (Node node : g.nodes()) {
            current = node;
            try {
                if (node.op().equals("const")) {
                    initializer(node.output(), node.attributes().tensor("value"));
                } else {
                    OnnxLowerings.lower(node, this);
                }
            } catch (OnnxConversionException e) {
                throw e;
            } catch (RuntimeException e) {
                throw new OnnxConversionException("node " + node.name() + " (" + node.op() + "): " + e.getMessage(), e);
            }
        }
        current = null;
        for (Map.Entry<String, Value> out : g.outputs().entrySet()) {
            String produced = name(out.getValue());
            if (!produced.equals(out.getKey())) node("Identity", "output/" + out.getKey(), List.of(produced), List.of(out.getKey()));
            graph.addOutput(valueInfo(out.getKey(), out.getValue().type()));
        }
        graph.setName(g.name());

        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(options.irVersion())
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(options.opset()))
                .setProducerName("htdemucs-coreml")
                .setProducerVersion(producerVersion())
                .setModelVersion(1)
                .setDocString("HTDemucs network exported from the htdemucs-coreml IR (graph " + g.name() + ")");
        if (model.metadata() != null) {
            OnnxMetadata.toProps(model.metadata()).forEach((k, v) ->
                    m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        }
        ModelProto proto = m.setGraph(graph).build();
        long size = proto.getSerializedSize();
        if (size < 0 || size > sizeLimit) throw tooLarge(size < 0 ? sizeLimit + 1 : size, "the serialized model");
        return proto;
    }

    private void checkSize(Graph g) {
        long bytes = 0;
        for (Node n : g.nodes()) {
            if (n.op().equals("const")) {
                TensorType t = n.output().type();
                bytes += options.fp16Weights() && isWeight(t) ? t.numel() * 2 : t.byteSize();
            }
        }
        if (bytes > sizeLimit) throw tooLarge(bytes, "the weights alone");
    }

    private OnnxConversionException tooLarge(long bytes, String what) {
        return new OnnxConversionException(what + " take " + bytes + " bytes, more than a single ONNX protobuf file can hold ("
                + sizeLimit + " bytes, protobuf's 2 GiB limit). Models this large must keep their weights in external data"
                + " files (TensorProto.data_location = EXTERNAL), which this emitter does not write; try weights=fp16 to halve"
                + " the weights");
    }

    private static String producerVersion() {
        String v = OnnxGraphExporter.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    // ---------------------------------------------------------------- services for the lowerings

    /** The ONNX name of an IR value (assigned on first use, unique in the ONNX graph). */
    String name(Value v) {
        String n = names.get(v);
        if (n == null) {
            n = unique(v.name());
            names.put(v, n);
        }
        return n;
    }

    /** The ONNX name of input {@code i} of the current node, or "" when that optional input is absent. */
    String input(int i) {
        Value v = current.input(i);
        return v == null ? "" : name(v);
    }

    /** A new value name based on the current node's name. */
    String fresh(String suffix) { return unique(current.name() + "/" + suffix); }

    private String unique(String base) { return unique(base, taken); }

    private static String unique(String base, Set<String> used) {
        if (used.add(base)) return base;
        for (int i = 1; ; i++) {
            String candidate = base + "_" + i;
            if (used.add(candidate)) return candidate;
        }
    }

    /** Adds a node named after the current IR node (or {@code nodeName}); returns its first output. */
    String node(String opType, String nodeName, List<String> inputs, List<String> outputs, AttributeProto... attributes) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(opType).setName(unique(nodeName, nodeNames));
        for (String i : inputs) b.addInput(i);
        for (String o : outputs) b.addOutput(o);
        for (AttributeProto a : attributes) b.addAttribute(a);
        graph.addNode(b);
        opCounts.merge(opType, 1, Integer::sum);
        return outputs.get(0);
    }

    /** A node computing the current IR node's single output. */
    String emit(String opType, List<String> inputs, AttributeProto... attributes) {
        return node(opType, current.name(), inputs, List.of(name(current.output())), attributes);
    }

    /** A node computing an intermediate value named after the current node and {@code suffix}. */
    String emitTemp(String opType, String suffix, List<String> inputs, AttributeProto... attributes) {
        return node(opType, current.name() + "/" + suffix, inputs, List.of(fresh(suffix)), attributes);
    }

    /** An int64 initializer (shapes, axes, pads, split sizes). */
    String int64s(String suffix, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        b.flip();
        String n = fresh(suffix);
        graph.addInitializer(OnnxTensors.toProto(n, Tensor.wrap(TensorType.of(DType.INT64, values.length), b)));
        return n;
    }

    String int64s(String suffix, int... values) {
        return int64s(suffix, Arrays.stream(values).asLongStream().toArray());
    }

    /** A float initializer of {@code dtype} (float32, float16 or float64) with every element {@code value}. */
    String filled(String suffix, DType dtype, float value, int... shape) {
        int n = Math.toIntExact(TensorType.of(dtype, shape).numel());
        float[] v = new float[n];
        Arrays.fill(v, value);
        Tensor t = Tensor.ofFloats(shape, v);
        if (dtype == DType.FLOAT64) {
            ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) b.putDouble(value);
            b.flip();
            t = Tensor.wrap(TensorType.of(dtype, shape), b);
        } else if (dtype != DType.FLOAT32) {
            t = t.to(dtype);
        }
        String name = fresh(suffix);
        graph.addInitializer(OnnxTensors.toProto(name, t));
        return name;
    }

    String scalar(String suffix, DType dtype, float value) { return filled(suffix, dtype, value); }

    private void initializer(Value v, Tensor t) {
        String n = name(v);
        if (options.fp16Weights() && isWeight(t.type())) {
            String stored = unique(n + "/fp16");
            graph.addInitializer(OnnxTensors.toProto(stored, t.to(DType.FLOAT16)));
            node("Cast", n + "/to_float32", List.of(stored), List.of(n), OnnxAttributes.ofInt("to", OnnxDataTypes.toOnnx(DType.FLOAT32)));
        } else {
            graph.addInitializer(OnnxTensors.toProto(n, t));
        }
    }

    /** Weights stored as fp16 with {@code weights=fp16}: float32 tensors of more than one element. */
    private static boolean isWeight(TensorType t) {
        return t.dtype() == DType.FLOAT32 && t.numel() > 1;
    }

    private static ValueInfoProto valueInfo(String name, TensorType type) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (int d : type.shape()) shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        TypeProto.Tensor.Builder tt = TypeProto.Tensor.newBuilder().setElemType(OnnxDataTypes.toOnnx(type.dtype())).setShape(shape);
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tt)).build();
    }
}

package dev.htdemucs.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An open ONNX Runtime session. Inputs are copied into direct native-order buffers that ORT reads
 * without another copy; outputs are copied out into IR tensors before ORT's are released.
 */
final class OnnxRuntimeSession implements Session {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String where;
    private final Path modelFile;
    private final Map<String, TensorType> inputTypes;
    private Map<String, TensorType> outputTypes;
    private boolean closed;

    /**
     * @param graph     the IR graph the session was exported from (its types are exact), or null for a file
     * @param modelFile the file, for resolving symbolic output dimensions by import; null for graphs
     */
    OnnxRuntimeSession(OrtEnvironment env, OrtSession session, String where, Graph graph, Path modelFile) throws OrtException {
        this.env = env;
        this.session = session;
        this.where = where;
        this.modelFile = modelFile;
        if (graph != null) {
            inputTypes = new LinkedHashMap<>();
            for (Value v : graph.inputs()) inputTypes.put(v.name(), v.type());
            outputTypes = new LinkedHashMap<>();
            graph.outputs().forEach((n, v) -> outputTypes.put(n, v.type()));
        } else {
            inputTypes = new LinkedHashMap<>();
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                TensorType t = declaredType(e.getKey(), e.getValue());
                if (t == null) {
                    throw new OrtException("input '" + e.getKey() + "' of " + where + " has symbolic dimensions " + e.getValue().getInfo()
                            + "; the toolkit needs static shapes (re-export with fixed shapes)");
                }
                inputTypes.put(e.getKey(), t);
            }
        }
    }

    @Override public Map<String, TensorType> inputTypes() { return inputTypes; }

    /** Output types; a file's symbolic output dimensions are resolved by importing it (shapes are static). */
    @Override
    public synchronized Map<String, TensorType> outputTypes() {
        if (outputTypes == null) {
            try {
                Map<String, TensorType> declared = new LinkedHashMap<>();
                boolean symbolic = false;
                for (Map.Entry<String, NodeInfo> e : session.getOutputInfo().entrySet()) {
                    TensorType t = declaredType(e.getKey(), e.getValue());
                    symbolic |= t == null;
                    declared.put(e.getKey(), t);
                }
                if (symbolic) {
                    Graph g = new OnnxModelLoader().load(modelFile, Options.NONE).graph();
                    declared.replaceAll((name, t) -> t != null ? t : g.output(name).type());
                }
                outputTypes = declared;
            } catch (OrtException | PluginException e) {
                throw new IllegalStateException("cannot determine the output types of " + where + ": " + e.getMessage(), e);
            }
        }
        return outputTypes;
    }

    /** The static type ORT reports, or null when a dimension is symbolic. */
    private static TensorType declaredType(String name, NodeInfo info) throws OrtException {
        if (!(info.getInfo() instanceof TensorInfo t)) throw new OrtException("'" + name + "' is not a tensor: " + info.getInfo());
        long[] shape = t.getShape();
        int[] dims = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) return null;
            dims[i] = Math.toIntExact(shape[i]);
        }
        return new TensorType(dtypeOf(t.type, name), dims);
    }

    private static DType dtypeOf(OnnxJavaType t, String name) throws OrtException {
        return switch (t) {
            case FLOAT -> DType.FLOAT32;
            case FLOAT16 -> DType.FLOAT16;
            case BFLOAT16 -> DType.BFLOAT16;
            case DOUBLE -> DType.FLOAT64;
            case INT8 -> DType.INT8;
            case UINT8 -> DType.UINT8;
            case INT16 -> DType.INT16;
            case INT32 -> DType.INT32;
            case INT64 -> DType.INT64;
            case BOOL -> DType.BOOL;
            default -> throw new OrtException("'" + name + "' has element type " + t + ", which the IR does not support");
        };
    }

    private static OnnxJavaType javaTypeOf(DType t) {
        return switch (t) {
            case FLOAT32 -> OnnxJavaType.FLOAT;
            case FLOAT16 -> OnnxJavaType.FLOAT16;
            case BFLOAT16 -> OnnxJavaType.BFLOAT16;
            case FLOAT64 -> OnnxJavaType.DOUBLE;
            case INT8 -> OnnxJavaType.INT8;
            case UINT8 -> OnnxJavaType.UINT8;
            case INT16 -> OnnxJavaType.INT16;
            case INT32 -> OnnxJavaType.INT32;
            case INT64 -> OnnxJavaType.INT64;
            case BOOL -> OnnxJavaType.BOOL;
        };
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException {
        if (closed) throw new PluginException("session for " + where + " is closed");
        for (String name : inputs.keySet()) {
            if (!inputTypes.containsKey(name)) throw new PluginException(where + " has no input '" + name + "'; inputs: " + inputTypes.keySet());
        }
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, TensorType> e : inputTypes.entrySet()) {
                Tensor t = inputs.get(e.getKey());
                if (t == null) throw new PluginException(where + " needs input '" + e.getKey() + "' " + e.getValue() + "; given: " + inputs.keySet());
                if (!t.type().equals(e.getValue())) {
                    throw new PluginException(where + ": input '" + e.getKey() + "' must be " + e.getValue() + ", got " + t.type());
                }
                feeds.put(e.getKey(), toOrt(t));
            }
            try (OrtSession.Result result = session.run(feeds)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (!(e.getValue() instanceof OnnxTensor ot)) throw new PluginException(where + ": output '" + e.getKey() + "' is not a tensor");
                    out.put(e.getKey(), fromOrt(ot, e.getKey()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new PluginException("ONNX Runtime failed to run " + where + ": " + e.getMessage(), e);
        } finally {
            for (OnnxTensor t : feeds.values()) t.close();
        }
    }

    private OnnxTensor toOrt(Tensor t) throws OrtException {
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.toIntExact(t.type().byteSize())).order(ByteOrder.nativeOrder());
        long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
        ByteBuffer src = t.data();
        if (t.dtype() == DType.FLOAT32) {
            direct.asFloatBuffer().put(src.asFloatBuffer());
            return OnnxTensor.createTensor(env, direct.asFloatBuffer(), shape);
        }
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || t.dtype().byteSize() == 1) {
            direct.put(src);
            direct.flip();
            return OnnxTensor.createTensor(env, direct, shape, javaTypeOf(t.dtype()));
        }
        throw new OrtException("big-endian hosts need " + t.dtype() + " byte swapping, which is not implemented");
    }

    private static Tensor fromOrt(OnnxTensor t, String name) throws OrtException {
        TensorInfo info = t.getInfo();
        int[] shape = Arrays.stream(info.getShape()).mapToInt(Math::toIntExact).toArray();
        TensorType type = new TensorType(dtypeOf(info.type, name), shape);
        ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        if (type.dtype() == DType.FLOAT32) {
            bytes.asFloatBuffer().put(t.getFloatBuffer());
        } else {
            ByteBuffer raw = t.getByteBuffer();
            if (raw == null) throw new OrtException("output '" + name + "' " + type + " cannot be read as bytes");
            bytes.put(raw);
            bytes.flip();
        }
        return Tensor.wrap(type, bytes);
    }

    @Override
    public synchronized void close() throws PluginException {
        if (closed) return;
        closed = true;
        try {
            session.close();
        } catch (OrtException e) {
            throw new PluginException("cannot close the ONNX Runtime session for " + where + ": " + e.getMessage(), e);
        }
    }
}

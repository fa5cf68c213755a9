package dev.htdemucs.onnx;

import com.google.protobuf.UnsafeByteOperations;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link TensorProto} ↔ IR {@link Tensor}. Reading never copies raw data: {@code raw_data} parsed with
 * aliasing stays a view of the memory-mapped model file, and external data is memory-mapped.
 * Writing stores little-endian {@code raw_data} without copying the tensor's bytes.
 */
final class OnnxTensors {
    private OnnxTensors() {}

    /** An initializer of the given name; bytes are shared with {@code tensor}. */
    static TensorProto toProto(String name, Tensor tensor) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(OnnxDataTypes.toOnnx(tensor.dtype()));
        for (int d : tensor.shape()) b.addDims(d);
        return b.setRawData(UnsafeByteOperations.unsafeWrap(tensor.data())).build();
    }

    static TensorType typeOf(TensorProto t, String where) {
        DType dtype = OnnxDataTypes.fromOnnx(t.getDataType(), where);
        int[] shape = new int[t.getDimsCount()];
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw new OnnxConversionException(where + " has invalid dimension " + d + " at axis " + i + " (dims " + t.getDimsList() + ")");
            }
            shape[i] = (int) d;
        }
        try {
            return new TensorType(dtype, shape);
        } catch (IllegalArgumentException e) {
            throw new OnnxConversionException(where + ": " + e.getMessage(), e);
        }
    }

    /**
     * The tensor's contents. {@code modelDir} resolves external data ({@code location} relative to the
     * model file's directory); null when the model came from memory.
     */
    static Tensor fromProto(TensorProto t, String where, Path modelDir) {
        TensorType type = typeOf(t, where);
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) return external(t, type, where, modelDir);
        if (t.hasRawData()) {
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer();
            if (raw.remaining() != type.byteSize()) {
                throw new OnnxConversionException(where + " " + type + " needs " + type.byteSize() + " bytes of raw_data, found "
                        + raw.remaining() + " (truncated or corrupt file?)");
            }
            return Tensor.wrap(type, raw);
        }
        return fromTypedFields(t, type, where);
    }

    private static Tensor fromTypedFields(TensorProto t, TensorType type, String where) {
        int n = Math.toIntExact(type.numel());
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        int found;
        switch (type.dtype()) {
            case FLOAT32 -> {
                found = t.getFloatDataCount();
                if (found == n) for (int i = 0; i < n; i++) b.putFloat(t.getFloatData(i));
            }
            case FLOAT64 -> {
                found = t.getDoubleDataCount();
                if (found == n) for (int i = 0; i < n; i++) b.putDouble(t.getDoubleData(i));
            }
            case INT64 -> {
                found = t.getInt64DataCount();
                if (found == n) for (int i = 0; i < n; i++) b.putLong(t.getInt64Data(i));
            }
            case INT32 -> {
                found = t.getInt32DataCount();
                if (found == n) for (int i = 0; i < n; i++) b.putInt(t.getInt32Data(i));
            }
            case FLOAT16, BFLOAT16, INT16 -> {
                found = t.getInt32DataCount();
                if (found == n) for (int i = 0; i < n; i++) b.putShort((short) t.getInt32Data(i));
            }
            case INT8, UINT8, BOOL -> {
                found = t.getInt32DataCount();
                if (found == n) for (int i = 0; i < n; i++) b.put((byte) t.getInt32Data(i));
            }
            default -> throw new OnnxConversionException(where + ": unsupported element type " + type.dtype());
        }
        if (found != n) {
            throw new OnnxConversionException(where + " " + type + " has " + n + " elements but its data fields hold " + found
                    + (found == 0 ? " (no raw_data and no typed data)" : ""));
        }
        b.flip();
        return Tensor.wrap(type, b);
    }

    private static Tensor external(TensorProto t, TensorType type, String where, Path modelDir) {
        Map<String, String> keys = new HashMap<>();
        for (StringStringEntryProto e : t.getExternalDataList()) keys.put(e.getKey(), e.getValue());
        String location = keys.get("location");
        if (location == null || location.isEmpty()) {
            throw new OnnxConversionException(where + " is stored as external data but names no 'location'");
        }
        if (modelDir == null) {
            throw new OnnxConversionException(where + " is stored in external file '" + location
                    + "', which cannot be resolved for a model read from memory");
        }
        Path base = modelDir.toAbsolutePath().normalize();
        Path file = base.resolve(location).normalize();
        if (Path.of(location).isAbsolute() || !file.startsWith(base)) {
            throw new OnnxConversionException(where + ": external data location '" + location + "' must be a path inside the model's directory " + base);
        }
        long offset = parseLong(keys.getOrDefault("offset", "0"), where, "offset");
        long length = parseLong(keys.getOrDefault("length", Long.toString(type.byteSize())), where, "length");
        if (length != type.byteSize()) {
            throw new OnnxConversionException(where + " " + type + " needs " + type.byteSize() + " bytes but its external data length is " + length);
        }
        try {
            return Tensor.map(type, file, offset);
        } catch (IOException e) {
            throw new OnnxConversionException(where + ": cannot read external data from " + file + ": " + e.getMessage(), e);
        }
    }

    private static long parseLong(String s, String where, String key) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new OnnxConversionException(where + ": external data '" + key + "' is not an integer: '" + s + "'");
        }
    }
}

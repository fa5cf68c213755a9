package dev.htdemucs.ir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A dense, C-ordered, little-endian tensor. The data is a {@link ByteBuffer} that may be on-heap,
 * direct, or a slice of a memory-mapped file: large weights are never copied just to be held.
 * Tensors are immutable by convention; {@link #data()} returns a read-only view.
 */
public final class Tensor {
    private final TensorType type;
    private final ByteBuffer data;

    private Tensor(TensorType type, ByteBuffer data) {
        this.type = type;
        this.data = data;
    }

    /** Wraps bytes (position to limit) as a tensor; the byte count must equal the type's size. */
    public static Tensor wrap(TensorType type, ByteBuffer bytes) {
        ByteBuffer view = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (view.remaining() != type.byteSize()) {
            throw new IllegalArgumentException("tensor " + type + " needs " + type.byteSize()
                    + " bytes, got " + view.remaining());
        }
        return new Tensor(type, view);
    }

    /** Maps {@code length} bytes of a file at {@code offset}, read-only, without copying. */
    public static Tensor map(TensorType type, Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long need = type.byteSize();
            if (offset < 0 || offset + need > ch.size()) {
                throw new IOException("tensor " + type + " at offset " + offset + " needs " + need
                        + " bytes but " + file + " has " + ch.size());
            }
            return new Tensor(type, ch.map(FileChannel.MapMode.READ_ONLY, offset, need).order(ByteOrder.LITTLE_ENDIAN));
        }
    }

    public static Tensor ofFloats(int[] shape, float... values) {
        TensorType t = TensorType.f32(shape);
        if (values.length != t.numel()) {
            throw new IllegalArgumentException("shape " + t + " has " + t.numel() + " elements, got " + values.length);
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new Tensor(t, b);
    }

    public static Tensor scalar(float value) { return ofFloats(new int[0], value); }

    public static Tensor ofInts(int[] shape, int... values) {
        TensorType t = TensorType.of(DType.INT32, shape);
        if (values.length != t.numel()) {
            throw new IllegalArgumentException("shape " + t + " has " + t.numel() + " elements, got " + values.length);
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new Tensor(t, b);
    }

    public static Tensor zeros(TensorType type) {
        return new Tensor(type, ByteBuffer.allocate(Math.toIntExact(type.byteSize())).order(ByteOrder.LITTLE_ENDIAN));
    }

    public TensorType type() { return type; }
    public DType dtype() { return type.dtype(); }
    public int[] shape() { return type.shape(); }
    public long numel() { return type.numel(); }

    /** Read-only little-endian view of the raw bytes, positioned at 0. */
    public ByteBuffer data() { return data.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN); }

    /** Elements converted to float (fp16/bf16/ints widen; fp64 narrows). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data();
        switch (dtype()) {
            case FLOAT32 -> b.asFloatBuffer().get(out);
            case FLOAT16 -> { for (int i = 0; i < n; i++) out[i] = Float16.toFloat(b.getShort(2 * i)); }
            case BFLOAT16 -> { for (int i = 0; i < n; i++) out[i] = Float16.bfloat16ToFloat(b.getShort(2 * i)); }
            case FLOAT64 -> { for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(8 * i); }
            case INT8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case UINT8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            case INT16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(2 * i); }
            case INT32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case INT64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i); }
        }
        return out;
    }

    /** Integer elements (int8..int64, bool) as long. */
    public long[] toLongArray() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data();
        switch (dtype()) {
            case INT8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case UINT8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xff; }
            case INT16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(2 * i); }
            case INT32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(4 * i); }
            case INT64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(8 * i); }
            default -> throw new IllegalStateException("toLongArray on " + dtype() + " tensor");
        }
        return out;
    }

    /** For float32 tensors: a read-only float view without copying. */
    public FloatBuffer asFloatBuffer() {
        if (dtype() != DType.FLOAT32) throw new IllegalStateException("asFloatBuffer on " + dtype() + " tensor");
        return data().asFloatBuffer();
    }

    /** Converts to another floating-point dtype (fp16 rounding is round-to-nearest-even). */
    public Tensor to(DType target) {
        if (target == dtype()) return this;
        float[] v = toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(type.withDType(target).byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        switch (target) {
            case FLOAT32 -> b.asFloatBuffer().put(v);
            case FLOAT16 -> { for (int i = 0; i < v.length; i++) b.putShort(2 * i, Float16.fromFloat(v[i])); }
            case INT32 -> { for (int i = 0; i < v.length; i++) b.putInt(4 * i, (int) v[i]); }
            case INT64 -> { for (int i = 0; i < v.length; i++) b.putLong(8 * i, (long) v[i]); }
            default -> throw new UnsupportedOperationException("conversion to " + target);
        }
        return new Tensor(type.withDType(target), b);
    }

    /** Same bytes, new shape of equal element count. */
    public Tensor reshape(int... shape) {
        TensorType t = type.withShape(shape);
        if (t.numel() != numel()) {
            throw new IllegalArgumentException("cannot reshape " + type + " to " + t);
        }
        return new Tensor(t, data);
    }

    @Override public String toString() { return "Tensor" + type; }
}

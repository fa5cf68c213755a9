package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * An activation or weight as the reference runtime holds it: a C-ordered {@code float[]} on the heap plus
 * the IR type it stands for. Every dtype is carried in float: fp16/bf16 values are stored already rounded
 * to their format (so they are exact in float), integers are exact up to 2^24.
 *
 * <p>Kernels treat the data of their inputs as read-only; a tensor may share its array with another one
 * (a {@code reshape} is a view).
 */
public final class FloatTensor {
    private final DType dtype;
    private final int[] shape;
    private final float[] data;

    public FloatTensor(DType dtype, int[] shape, float[] data) {
        long numel = numel(shape);
        if (numel != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + numel
                    + " elements but the data has " + data.length);
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
    }

    /** A float32 tensor. */
    public static FloatTensor of(int[] shape, float... data) { return new FloatTensor(DType.FLOAT32, shape, data); }

    /** A zero-filled tensor of the given type. */
    public static FloatTensor zeros(TensorType type) {
        return new FloatTensor(type.dtype(), type.shape(), new float[Math.toIntExact(type.numel())]);
    }

    /** Converts an IR tensor (any dtype) to floats; this copies, once. */
    public static FloatTensor of(Tensor tensor) {
        return new FloatTensor(tensor.dtype(), tensor.shape(), tensor.toFloatArray());
    }

    public DType dtype() { return dtype; }
    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int axis) { return shape[axis < 0 ? axis + shape.length : axis]; }
    public int numel() { return data.length; }
    public TensorType type() { return new TensorType(dtype, shape); }

    /** The backing array itself (not a copy); do not modify the data of a kernel's inputs. */
    public float[] data() { return data; }

    /** Same data, another shape of equal element count (a view). */
    public FloatTensor reshape(int... newShape) { return new FloatTensor(dtype, newShape, data); }

    /** Same shape and dtype, other data. */
    public FloatTensor withData(float[] newData) { return new FloatTensor(dtype, shape, newData); }

    /** An IR tensor of this tensor's dtype; the values are already what the dtype stores, so this only encodes them. */
    public Tensor toTensor() {
        TensorType type = type();
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        int n = data.length;
        switch (dtype) {
            case FLOAT32 -> b.asFloatBuffer().put(data);
            case FLOAT16 -> { for (int i = 0; i < n; i++) b.putShort(2 * i, Float16.fromFloat(data[i])); }
            case BFLOAT16 -> { for (int i = 0; i < n; i++) b.putShort(2 * i, (short) (Float.floatToRawIntBits(DTypeRounding.roundBfloat16(data[i])) >>> 16)); }
            case FLOAT64 -> { for (int i = 0; i < n; i++) b.putDouble(8 * i, data[i]); }
            case INT8, UINT8, BOOL -> { for (int i = 0; i < n; i++) b.put(i, (byte) (long) data[i]); }
            case INT16 -> { for (int i = 0; i < n; i++) b.putShort(2 * i, (short) (long) data[i]); }
            case INT32 -> { for (int i = 0; i < n; i++) b.putInt(4 * i, (int) (long) data[i]); }
            case INT64 -> { for (int i = 0; i < n; i++) b.putLong(8 * i, (long) data[i]); }
        }
        return Tensor.wrap(type, b);
    }

    static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    @Override public String toString() { return "FloatTensor" + type(); }
}

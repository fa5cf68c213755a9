package dev.htdemucs.ir;

import java.util.Arrays;

/** A static tensor type: element type and fixed shape (rank 0 is a scalar). */
public final class TensorType {
    private final DType dtype;
    private final int[] shape;

    public TensorType(DType dtype, int... shape) {
        if (dtype == null) throw new IllegalArgumentException("dtype is null");
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
        }
        // numel() and byteSize() are longs: a shape read from a hostile file must not wrap them around
        if (Arrays.stream(shape).noneMatch(d -> d == 0)) {
            long bytes = dtype.byteSize();
            for (int d : shape) {
                if (d > Long.MAX_VALUE / bytes) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype.label()
                            + " has more than 2^63 bytes");
                }
                bytes *= d;
            }
        }
        this.dtype = dtype;
        this.shape = shape.clone();
    }

    public static TensorType of(DType dtype, int... shape) { return new TensorType(dtype, shape); }
    public static TensorType f32(int... shape) { return new TensorType(DType.FLOAT32, shape); }

    public DType dtype() { return dtype; }
    public int[] shape() { return shape.clone(); }
    public int rank() { return shape.length; }
    public int dim(int axis) { return shape[axis < 0 ? axis + shape.length : axis]; }

    public long numel() {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    public long byteSize() { return numel() * dtype.byteSize(); }

    public TensorType withDType(DType other) { return new TensorType(other, shape); }
    public TensorType withShape(int... other) { return new TensorType(dtype, other); }

    public boolean sameShape(int... other) { return Arrays.equals(shape, other); }

    @Override public boolean equals(Object o) {
        return o instanceof TensorType t && t.dtype == dtype && Arrays.equals(t.shape, shape);
    }

    @Override public int hashCode() { return dtype.hashCode() * 31 + Arrays.hashCode(shape); }

    /** e.g. {@code float32[1,4,2048,336]}. */
    @Override public String toString() {
        StringBuilder b = new StringBuilder(dtype.label()).append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) b.append(',');
            b.append(shape[i]);
        }
        return b.append(']').toString();
    }
}

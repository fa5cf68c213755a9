package dev.htdemucs.onnx;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element-level access to IR tensors for import-time constant folding: values as double (float types)
 * or long (integer and bool types), tensors built back from them, and data movement by index maps
 * (transpose, slice, gather, broadcast all copy element bytes from computed source positions).
 */
final class TensorElements {
    /**
     * The most elements import-time evaluation handles in one tensor: 2^24 (64 MiB of float32), far above
     * any shape computation or HTDemucs weight, so a file cannot make the importer allocate what its
     * shapes merely declare (ConstantOfShape, Expand, Range, Tile of billions of elements).
     */
    static final long MAX_ELEMENTS = 1L << 24;

    private TensorElements() {}

    /** Refuses tensors beyond {@link #MAX_ELEMENTS}; callers add the node to the message. */
    static void requireEvaluable(long elements) {
        if (elements > MAX_ELEMENTS) {
            throw new IllegalArgumentException("a constant of " + elements + " elements exceeds the " + MAX_ELEMENTS
                    + " elements evaluated at import time");
        }
    }

    static double[] reals(Tensor t) {
        requireEvaluable(t.numel());
        int n = Math.toIntExact(t.numel());
        double[] out = new double[n];
        ByteBuffer b = t.data();
        switch (t.dtype()) {
            case FLOAT64 -> { for (int i = 0; i < n; i++) out[i] = b.getDouble(8 * i); }
            case FLOAT32 -> { for (int i = 0; i < n; i++) out[i] = b.getFloat(4 * i); }
            case FLOAT16, BFLOAT16 -> {
                float[] f = t.toFloatArray();
                for (int i = 0; i < n; i++) out[i] = f[i];
            }
            default -> {
                long[] l = t.toLongArray();
                for (int i = 0; i < n; i++) out[i] = l[i];
            }
        }
        return out;
    }

    /** Integer elements; float tensors are truncated toward zero (as a C cast). */
    static long[] longs(Tensor t) {
        requireEvaluable(t.numel());
        if (!t.dtype().isFloatingPoint()) return t.toLongArray();
        double[] d = reals(t);
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) out[i] = (long) d[i];
        return out;
    }

    static Tensor ofReals(DType dtype, int[] shape, double[] v) {
        if (!dtype.isFloatingPoint()) {
            long[] l = new long[v.length];
            for (int i = 0; i < v.length; i++) l[i] = dtype == DType.BOOL ? (v[i] != 0 ? 1 : 0) : (long) v[i];
            return ofLongs(dtype, shape, l);
        }
        TensorType type = TensorType.of(dtype, shape);
        ByteBuffer b = allocate(type);
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case FLOAT64 -> b.putDouble(8 * i, v[i]);
                case FLOAT32 -> b.putFloat(4 * i, (float) v[i]);
                case FLOAT16 -> b.putShort(2 * i, Float16.fromFloat((float) v[i]));
                case BFLOAT16 -> b.putShort(2 * i, toBfloat16((float) v[i]));
                default -> throw new IllegalStateException(dtype.toString());
            }
        }
        return Tensor.wrap(type, b);
    }

    static Tensor ofLongs(DType dtype, int[] shape, long[] v) {
        if (dtype.isFloatingPoint()) {
            double[] d = new double[v.length];
            for (int i = 0; i < v.length; i++) d[i] = v[i];
            return ofReals(dtype, shape, d);
        }
        TensorType type = TensorType.of(dtype, shape);
        ByteBuffer b = allocate(type);
        for (int i = 0; i < v.length; i++) {
            switch (dtype) {
                case INT64 -> b.putLong(8 * i, v[i]);
                case INT32 -> b.putInt(4 * i, (int) v[i]);
                case INT16 -> b.putShort(2 * i, (short) v[i]);
                case INT8, UINT8 -> b.put(i, (byte) v[i]);
                case BOOL -> b.put(i, (byte) (v[i] != 0 ? 1 : 0));
                default -> throw new IllegalStateException(dtype.toString());
            }
        }
        return Tensor.wrap(type, b);
    }

    static Tensor int64s(long... v) { return ofLongs(DType.INT64, new int[]{v.length}, v); }

    /** A tensor of {@code shape} whose element i is element {@code source[i]} of {@code src}. */
    static Tensor gather(Tensor src, int[] shape, int[] source) {
        int size = src.dtype().byteSize();
        TensorType type = TensorType.of(src.dtype(), shape);
        ByteBuffer in = src.data();
        ByteBuffer out = allocate(type);
        byte[] element = new byte[size];
        for (int i = 0; i < source.length; i++) {
            in.get(source[i] * size, element);
            out.put(i * size, element);
        }
        return Tensor.wrap(type, out);
    }

    static int[] strides(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + java.util.Arrays.toString(shape));
            if (d == 0) return 0;
        }
        for (int d : shape) {
            n *= d; // stays below 2^24 * 2^31 until the check stops it
            requireEvaluable(n);
        }
        return (int) n;
    }

    /** For every element of {@code outShape}, the flat index of the element of {@code inShape} that broadcasts to it. */
    static int[] broadcastIndex(int[] inShape, int[] outShape) {
        int rank = outShape.length, offset = rank - inShape.length;
        int[] inStrides = strides(inShape);
        int n = numel(outShape);
        int[] result = new int[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int src = 0;
            for (int a = offset; a < rank; a++) {
                if (inShape[a - offset] != 1) src += idx[a] * inStrides[a - offset];
            }
            result[i] = src;
            for (int a = rank - 1; a >= 0; a--) {
                if (++idx[a] < outShape[a]) break;
                idx[a] = 0;
            }
        }
        return result;
    }

    private static ByteBuffer allocate(TensorType type) {
        requireEvaluable(type.numel());
        return ByteBuffer.allocate(Math.toIntExact(type.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}

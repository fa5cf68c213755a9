package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A tensor as torch.save describes it ({@code torch._utils._rebuild_tensor_v2}): a view of a
 * {@link TensorStorage} with a shape, strides and a storage offset, all counted in elements. Instances
 * made by the reader are checked to lie within their storage, so {@link #toTensor()} cannot read past it.
 */
public final class StoredTensor {
    private final String name;
    private final TensorStorage storage;
    private final long storageOffset;
    private final int[] shape;
    private final long[] strides;
    private final boolean requiresGrad;

    private StoredTensor(String name, TensorStorage storage, long storageOffset, int[] shape, long[] strides,
                         boolean requiresGrad) {
        this.name = name;
        this.storage = storage;
        this.storageOffset = storageOffset;
        this.shape = shape;
        this.strides = strides;
        this.requiresGrad = requiresGrad;
    }

    /**
     * Builds a view after checking that every element it addresses lies within the storage.
     *
     * @param description names the tensor in the error, e.g. {@code "tensor 'encoder.0.conv.weight'"}
     */
    static StoredTensor create(String description, TensorStorage storage, long storageOffset, int[] shape,
                               long[] strides, boolean requiresGrad) throws CheckpointFormatException {
        if (shape.length != strides.length) {
            throw new CheckpointFormatException(description + " has " + shape.length + " sizes "
                    + Arrays.toString(shape) + " but " + strides.length + " strides " + Arrays.toString(strides)
                    + " (" + storage.file() + ")");
        }
        long lastElement = lastElement(storageOffset, shape, strides);
        if (storageOffset < 0 || lastElement >= storage.numel()) {
            throw new CheckpointFormatException(description + " " + describe(storage.dtype(), shape)
                    + " with storage offset " + storageOffset + " and strides " + Arrays.toString(strides)
                    + " reaches element " + lastElement + " of storage '" + storage.key() + "', which has "
                    + storage.numel() + " elements (" + storage.file() + ")");
        }
        // Overlapping views (stride 0, as torch.expand makes) stay inside a small storage but materialise
        // to numel elements: bound them by the storage, which the file itself bounds.
        long numel = numelOrMax(shape);
        if (numel > storage.numel()) {
            throw new CheckpointFormatException(description + " " + describe(storage.dtype(), shape)
                    + " with strides " + Arrays.toString(strides) + " has " + (numel == Long.MAX_VALUE ? "more than 2^63" : numel)
                    + " elements but its storage '" + storage.key() + "' holds " + storage.numel()
                    + "; views larger than their storage are not supported (" + storage.file() + ")");
        }
        return new StoredTensor("", storage, storageOffset, shape.clone(), strides.clone(), requiresGrad);
    }

    /** Like {@link TensorType#toString()}, for shapes too large to be a TensorType. */
    private static String describe(DType dtype, int[] shape) {
        return dtype.label() + Arrays.toString(shape).replace(" ", "");
    }

    private static long numelOrMax(int[] shape) {
        long n = 1;
        try {
            for (int d : shape) {
                n = Math.multiplyExact(n, d);
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return n;
    }

    /** Index of the last addressed storage element ({@code offset - 1} for an empty tensor); overflow-safe. */
    private static long lastElement(long offset, int[] shape, long[] strides) throws CheckpointFormatException {
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                return offset - 1;
            }
        }
        try {
            for (int i = 0; i < shape.length; i++) {
                last = Math.addExact(last, Math.multiplyExact((long) shape[i] - 1, strides[i]));
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return last;
    }

    /** The same view under a name (the state-dict key), for messages and {@link #name()}. */
    StoredTensor named(String newName) {
        return new StoredTensor(newName, storage, storageOffset, shape, strides, requiresGrad);
    }

    /** The state-dict key this tensor was read under, or "" for tensors found elsewhere in the pickle. */
    public String name() {
        return name;
    }

    public DType dtype() {
        return storage.dtype();
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Strides in elements, as torch reports them. */
    public long[] strides() {
        return strides.clone();
    }

    /** Offset of element [0,...,0] in the storage, in elements. */
    public long storageOffset() {
        return storageOffset;
    }

    public String storageKey() {
        return storage.key();
    }

    public TensorStorage storage() {
        return storage;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    public TensorType type() {
        return TensorType.of(storage.dtype(), shape);
    }

    public long numel() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Whether the strides are those of a dense C-order layout (dimensions of size 1 may have any stride). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * The tensor as a dense C-order IR tensor. A contiguous view is a zero-copy slice of the storage (for
     * STORED entries, of the memory-mapped file); a strided view is copied element by element into a new
     * buffer.
     */
    public Tensor toTensor() {
        TensorType type = type();
        long byteSize = type.byteSize();
        if (byteSize > Integer.MAX_VALUE) {
            throw new IllegalStateException(describe() + " " + type + " has " + byteSize
                    + " bytes, more than a ByteBuffer can hold");
        }
        int elementSize = storage.dtype().byteSize();
        ByteBuffer source = storage.bytes();
        if (isContiguous()) {
            int start = Math.toIntExact(storageOffset * elementSize);
            source.position(start).limit(start + (int) byteSize);
            return Tensor.wrap(type, source);
        }
        ByteBuffer dense = ByteBuffer.allocate((int) byteSize).order(ByteOrder.LITTLE_ENDIAN);
        int rank = shape.length;
        int[] index = new int[rank];
        long sourceElement = storageOffset;
        long count = numel();
        for (long n = 0; n < count; n++) {
            int from = Math.toIntExact(sourceElement * elementSize);
            for (int b = 0; b < elementSize; b++) {
                dense.put(source.get(from + b));
            }
            // odometer over the index, last axis fastest, tracking the storage position incrementally
            for (int axis = rank - 1; axis >= 0; axis--) {
                if (++index[axis] < shape[axis]) {
                    sourceElement += strides[axis];
                    break;
                }
                sourceElement -= (long) (shape[axis] - 1) * strides[axis];
                index[axis] = 0;
            }
        }
        dense.flip();
        return Tensor.wrap(type, dense);
    }

    private String describe() {
        return name.isEmpty() ? "tensor in storage '" + storage.key() + "'" : "tensor '" + name + "'";
    }

    @Override
    public String toString() {
        return (name.isEmpty() ? "StoredTensor" : name) + " " + type() + " (storage '" + storage.key() + "', offset "
                + storageOffset + ", strides " + Arrays.toString(strides) + ")";
    }
}

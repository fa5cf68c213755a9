package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.ir.DType;

import java.util.Optional;

/**
 * The legacy typed-storage classes torch.save names in persistent ids ({@code torch.HalfStorage} ...);
 * the enum constant names are the Python class names. Complex and quantized storages are not supported.
 */
public enum TorchStorageType {
    HalfStorage(DType.FLOAT16),
    FloatStorage(DType.FLOAT32),
    BFloat16Storage(DType.BFLOAT16),
    DoubleStorage(DType.FLOAT64),
    LongStorage(DType.INT64),
    IntStorage(DType.INT32),
    ShortStorage(DType.INT16),
    CharStorage(DType.INT8),
    ByteStorage(DType.UINT8),
    BoolStorage(DType.BOOL);

    private final DType dtype;

    TorchStorageType(DType dtype) {
        this.dtype = dtype;
    }

    public DType dtype() {
        return dtype;
    }

    /** {@code torch.HalfStorage}. */
    public String qualifiedName() {
        return "torch." + name();
    }

    /** The storage type for a name in module {@code torch}, e.g. {@code "HalfStorage"}. */
    public static Optional<TorchStorageType> forName(String name) {
        for (TorchStorageType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}

package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.ir.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One torch storage: the bytes of zip entry {@code <prefix>/data/<key>}, typed by the storage class named in
 * its persistent id. For STORED entries (what torch.save writes) the bytes are a read-only memory map of
 * the checkpoint file, so weights are never copied; they stay valid after the archive is closed.
 */
public final class TensorStorage {
    private final String key;
    private final TorchStorageType type;
    private final String location;
    private final long numel;
    private final ByteBuffer bytes;
    private final boolean memoryMapped;
    private final String file;

    TensorStorage(String key, TorchStorageType type, String location, long numel, ByteBuffer bytes,
                  boolean memoryMapped, String file) {
        this.key = key;
        this.type = type;
        this.location = location;
        this.numel = numel;
        this.bytes = bytes.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        this.memoryMapped = memoryMapped;
        this.file = file;
    }

    /** The archive key, e.g. {@code "0"} for entry {@code model/data/0}. */
    public String key() {
        return key;
    }

    public TorchStorageType storageType() {
        return type;
    }

    public DType dtype() {
        return type.dtype();
    }

    /** The device the tensor was saved from ({@code "cpu"}, {@code "cuda:0"}); bytes are read to the CPU anyway. */
    public String location() {
        return location;
    }

    /** Element count declared by the persistent id (the entry may hold more bytes, never fewer). */
    public long numel() {
        return numel;
    }

    /** Read-only little-endian view of exactly {@code numel * elementSize} bytes, positioned at 0. */
    public ByteBuffer bytes() {
        return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** True when {@link #bytes()} maps the checkpoint file directly (STORED entry), false when it was inflated. */
    public boolean isMemoryMapped() {
        return memoryMapped;
    }

    /** The checkpoint file, for messages. */
    public String file() {
        return file;
    }

    @Override
    public String toString() {
        return "storage '" + key + "' " + type.qualifiedName() + "[" + numel + "] (" + file + ")";
    }
}

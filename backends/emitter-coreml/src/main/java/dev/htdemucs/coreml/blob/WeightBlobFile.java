package dev.htdemucs.coreml.blob;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A memory-mapped MIL blob storage v2 file ({@link BlobStorageFormat}). Tensors read from it are views of
 * the mapping, not copies. Every read checks the record the way Core ML's reader does: alignment, sentinel,
 * dtype, and that the data lies inside the file.
 */
public final class WeightBlobFile {
    /** One blob's metadata record. */
    public record Record(long metadataOffset, int dtypeCode, long sizeInBytes, long dataOffset, long paddingBits) {}

    private final Path file;
    private final MappedByteBuffer map;
    private final int count;
    private final int version;

    private WeightBlobFile(Path file, MappedByteBuffer map) throws BlobFormatException {
        this.file = file;
        this.map = map;
        map.order(ByteOrder.LITTLE_ENDIAN);
        if (map.capacity() < BlobStorageFormat.HEADER_SIZE) {
            throw new BlobFormatException(file + ": " + map.capacity() + " bytes, smaller than the 64-byte storage header");
        }
        count = map.getInt(0);
        version = map.getInt(4);
        if (version != BlobStorageFormat.VERSION) {
            throw new BlobFormatException(file + ": storage header version is " + version + ", expected " + BlobStorageFormat.VERSION);
        }
    }

    public static WeightBlobFile open(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() > Integer.MAX_VALUE) {
                throw new BlobFormatException(file + ": " + ch.size() + " bytes; weight files over 2 GiB are not supported");
            }
            return new WeightBlobFile(file, ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size()));
        }
    }

    public Path file() { return file; }
    /** Blob count from the storage header. */
    public int count() { return count; }
    public int version() { return version; }
    public long size() { return map.capacity(); }

    /** The metadata record at {@code offset}, checked. */
    public Record record(long offset) throws BlobFormatException {
        String where = file + " offset " + offset;
        if (offset % BlobStorageFormat.ALIGNMENT != 0) {
            throw new BlobFormatException(where + ": blob metadata offset is not " + BlobStorageFormat.ALIGNMENT + "-byte aligned");
        }
        // offsets come from the file: compare by subtraction so that no sum can wrap past Long.MAX_VALUE
        if (offset < BlobStorageFormat.HEADER_SIZE || offset > size() - BlobStorageFormat.METADATA_SIZE) {
            throw new BlobFormatException(where + ": blob metadata record lies outside the file (" + size() + " bytes)");
        }
        int at = (int) offset;
        int sentinel = map.getInt(at);
        if (sentinel != BlobStorageFormat.SENTINEL) {
            throw new BlobFormatException(String.format("%s: no blob metadata here (sentinel 0x%08X, expected 0xDEADBEEF)", where, sentinel));
        }
        int dtype = map.getInt(at + 4);
        long sizeInBytes = map.getLong(at + 8);
        long dataOffset = map.getLong(at + 16);
        long padding = map.getLong(at + 24);
        if (dataOffset % BlobStorageFormat.ALIGNMENT != 0) {
            throw new BlobFormatException(where + ": data offset " + dataOffset + " is not " + BlobStorageFormat.ALIGNMENT + "-byte aligned");
        }
        // offset + METADATA_SIZE <= size() here, so that sum cannot wrap
        if (dataOffset < offset + BlobStorageFormat.METADATA_SIZE || sizeInBytes < 0 || sizeInBytes > size() - dataOffset) {
            throw new BlobFormatException(where + ": " + sizeInBytes + " data bytes at offset " + dataOffset
                    + " lie outside the file (" + size() + " bytes) or overlap their metadata record");
        }
        return new Record(offset, dtype, sizeInBytes, dataOffset, padding);
    }

    /** All records, following the chain from the header as Core ML's reader does. */
    public List<Record> records() throws BlobFormatException {
        List<Record> out = new ArrayList<>();
        long offset = BlobStorageFormat.HEADER_SIZE;
        for (int i = 0; i < count; i++) {
            Record r = record(offset);
            out.add(r);
            offset = BlobStorageFormat.align(r.dataOffset() + r.sizeInBytes());
        }
        return out;
    }

    /**
     * The blob at {@code metadataOffset} as a tensor of {@code type}: the stored dtype must equal the type's
     * dtype and the byte size must match exactly. The tensor is a view of the mapping.
     */
    public Tensor tensor(long metadataOffset, TensorType type) throws BlobFormatException {
        Record r = record(metadataOffset);
        String where = file + " offset " + metadataOffset;
        DType stored;
        try {
            stored = BlobStorageFormat.dtypeOf(r.dtypeCode());
        } catch (IllegalArgumentException e) {
            throw new BlobFormatException(where + ": " + e.getMessage());
        }
        if (stored != type.dtype()) {
            throw new BlobFormatException(where + ": blob holds " + stored + " but the program declares " + type);
        }
        if (r.sizeInBytes() != type.byteSize()) {
            throw new BlobFormatException(where + ": blob holds " + r.sizeInBytes() + " bytes but " + type + " needs " + type.byteSize());
        }
        ByteBuffer view = map.duplicate();
        view.position((int) r.dataOffset()).limit((int) (r.dataOffset() + r.sizeInBytes()));
        return Tensor.wrap(type, view.slice());
    }
}

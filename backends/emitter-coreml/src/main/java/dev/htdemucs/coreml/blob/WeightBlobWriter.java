package dev.htdemucs.coreml.blob;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Tensor;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes a MIL blob storage v2 file ({@link BlobStorageFormat}) blob by blob. Tensor data is streamed
 * through a small buffer, converted to the stored dtype on the way (fp32 → fp16 with round-to-nearest-even),
 * so a 100 MB model is never held twice in memory. The header's blob count is written on {@link #close()}.
 */
public final class WeightBlobWriter implements Closeable {
    private static final int CHUNK_ELEMENTS = 16384;

    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_ELEMENTS * 8).order(ByteOrder.LITTLE_ENDIAN);
    private long position;
    private int count;
    private long dataBytes;
    private boolean closed;

    public WeightBlobWriter(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        writeFully(header(0));
        position = BlobStorageFormat.HEADER_SIZE;
    }

    public Path file() { return file; }
    public int count() { return count; }
    /** Sum of blob data sizes, without headers and padding. */
    public long dataBytes() { return dataBytes; }

    /**
     * Appends {@code tensor} stored as {@code storeAs} (a floating-point tensor may be stored as fp16 or fp32;
     * other tensors only as their own dtype) and returns the offset of its metadata record, the number a
     * MIL BlobFileValue refers to.
     */
    public long write(Tensor tensor, DType storeAs) throws IOException {
        if (closed) throw new IllegalStateException("blob writer for " + file + " is closed");
        DType from = tensor.dtype();
        if (from != storeAs && !(from.isFloatingPoint() && (storeAs == DType.FLOAT16 || storeAs == DType.FLOAT32))) {
            throw new IllegalArgumentException("cannot store a " + from + " tensor as " + storeAs + " in " + file);
        }
        long metadataOffset = BlobStorageFormat.align(position);
        long dataOffset = metadataOffset + BlobStorageFormat.METADATA_SIZE;
        long size = tensor.numel() * storeAs.byteSize();
        pad(metadataOffset - position);
        ByteBuffer meta = ByteBuffer.allocate(BlobStorageFormat.METADATA_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        meta.putInt(BlobStorageFormat.SENTINEL).putInt(BlobStorageFormat.dtypeCode(storeAs))
                .putLong(size).putLong(dataOffset).putLong(0L);
        meta.clear();
        writeFully(meta);
        if (from == storeAs) {
            writeFully(tensor.data());
        } else {
            streamConverted(tensor, storeAs);
        }
        position = dataOffset + size;
        if (channel.position() != position) {
            throw new IOException("internal error writing " + file + ": at byte " + channel.position() + ", expected " + position);
        }
        count++;
        dataBytes += size;
        return metadataOffset;
    }

    private void streamConverted(Tensor tensor, DType storeAs) throws IOException {
        ByteBuffer src = tensor.data();
        long n = tensor.numel();
        int inSize = tensor.dtype().byteSize();
        for (long start = 0; start < n; start += CHUNK_ELEMENTS) {
            int len = (int) Math.min(CHUNK_ELEMENTS, n - start);
            chunk.clear();
            for (int i = 0; i < len; i++) {
                float v = readFloat(src, tensor.dtype(), (int) ((start + i) * inSize));
                if (storeAs == DType.FLOAT16) chunk.putShort(Float16.fromFloat(v));
                else chunk.putFloat(v);
            }
            chunk.flip();
            writeFully(chunk);
        }
    }

    private static float readFloat(ByteBuffer b, DType dtype, int byteIndex) {
        return switch (dtype) {
            case FLOAT32 -> b.getFloat(byteIndex);
            case FLOAT16 -> Float16.toFloat(b.getShort(byteIndex));
            case BFLOAT16 -> Float16.bfloat16ToFloat(b.getShort(byteIndex));
            case FLOAT64 -> (float) b.getDouble(byteIndex);
            default -> throw new IllegalArgumentException("not a floating-point dtype: " + dtype);
        };
    }

    private void pad(long bytes) throws IOException {
        if (bytes > 0) writeFully(ByteBuffer.allocate((int) bytes));
    }

    private void writeFully(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) channel.write(b);
    }

    private static ByteBuffer header(int count) {
        ByteBuffer h = ByteBuffer.allocate(BlobStorageFormat.HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(count).putInt(BlobStorageFormat.VERSION);
        h.clear();
        return h;
    }

    /** Writes the blob count into the header and closes the file. */
    @Override public void close() throws IOException {
        if (closed) return;
        closed = true;
        try (channel) {
            ByteBuffer h = header(count);
            while (h.hasRemaining()) channel.write(h, h.position());
            channel.force(false);
        }
    }
}

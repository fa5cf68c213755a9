package dev.htdemucs.pytorch.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A read-only zip archive read from its central directory (ZIP64 included). Unlike {@link java.util.zip.ZipFile}
 * it knows where each entry's bytes start in the file, so STORED entries (torch.save stores tensor data
 * uncompressed, 64-byte aligned) can be memory-mapped instead of copied. DEFLATED entries are inflated
 * into memory, never beyond their declared size. Encrypted and multi-disk archives are refused.
 */
public final class ZipArchive implements AutoCloseable {

    /** One central-directory record. Sizes in bytes; {@code crc32} as an unsigned value. */
    public record Entry(String name, int method, long compressedSize, long size, long crc32, long localHeaderOffset) {
        public boolean isStored() {
            return method == METHOD_STORED;
        }
    }

    static final int METHOD_STORED = 0;
    static final int METHOD_DEFLATED = 8;
    static final int MAX_ENTRIES = 1 << 20;

    private static final int LOCAL_HEADER_SIGNATURE = 0x04034b50;
    private static final int CENTRAL_HEADER_SIGNATURE = 0x02014b50;
    private static final int END_SIGNATURE = 0x06054b50;
    private static final int ZIP64_END_SIGNATURE = 0x06064b50;
    private static final int ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
    private static final int END_RECORD_SIZE = 22;
    private static final int MAX_COMMENT = 0xffff;
    private static final int LOCAL_HEADER_SIZE = 30;
    private static final long UINT32_MAX = 0xffffffffL;
    /** Deflate's best case: a 258-byte match coded in 2 bits, so one compressed byte yields at most 1032. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private final Path file;
    private final FileChannel channel;
    private final long centralDirectoryOffset;
    private final Map<String, Entry> entries;

    private ZipArchive(Path file, FileChannel channel, long centralDirectoryOffset,
                       Map<String, Entry> entries) {
        this.file = file;
        this.channel = channel;
        this.centralDirectoryOffset = centralDirectoryOffset;
        this.entries = entries;
    }

    /** Opens a zip archive and reads its central directory. */
    public static ZipArchive open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = channel.size();
            CentralDirectory cd = findCentralDirectory(file, channel, size);
            Map<String, Entry> entries = readCentralDirectory(file, channel, cd);
            return new ZipArchive(file, channel, cd.offset, entries);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** All entries in central-directory order. */
    public List<Entry> entries() {
        return Collections.unmodifiableList(new ArrayList<>(entries.values()));
    }

    public Optional<Entry> entry(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /**
     * The entry's bytes as a read-only little-endian buffer: a memory map of the file for STORED entries
     * (no copy; valid after {@link #close()}), an inflated heap copy for DEFLATED ones.
     *
     * @param maxInflatedBytes refuse compressed entries that would inflate to more than this
     */
    public ByteBuffer bytes(Entry entry, long maxInflatedBytes) throws IOException {
        long dataOffset = dataOffset(entry);
        if (entry.isStored()) {
            if (entry.size() > Integer.MAX_VALUE) {
                throw new CheckpointFormatException("zip entry " + entry.name() + " has " + entry.size()
                        + " bytes, more than one memory map can hold (" + file + ")");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, dataOffset, entry.size()).order(ByteOrder.LITTLE_ENDIAN);
        }
        return ByteBuffer.wrap(inflate(entry, dataOffset, maxInflatedBytes)).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads a whole entry into memory and checks its CRC-32 (for small entries such as data.pkl). */
    public byte[] read(Entry entry, long maxBytes) throws IOException {
        long dataOffset = dataOffset(entry);
        byte[] out;
        if (entry.isStored()) {
            if (entry.size() > maxBytes) {
                throw new CheckpointFormatException("zip entry " + entry.name() + " has " + entry.size()
                        + " bytes, more than the " + maxBytes + " allowed (" + file + ")");
            }
            out = new byte[(int) entry.size()];
            readFully(channel, ByteBuffer.wrap(out), dataOffset, entry.name());
        } else {
            out = inflate(entry, dataOffset, maxBytes);
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if (crc.getValue() != entry.crc32()) {
            throw new CheckpointFormatException(String.format("zip entry %s is corrupt: CRC-32 %08x, expected %08x (%s)",
                    entry.name(), crc.getValue(), entry.crc32(), file));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ------------------------------------------------------------------------------------------ entry data

    /** Where the entry's data starts: after its local header, whose extra field may differ from the central one. */
    private long dataOffset(Entry entry) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(LOCAL_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        if (entry.localHeaderOffset() + LOCAL_HEADER_SIZE > centralDirectoryOffset) {
            throw truncated("local header of " + entry.name() + " at offset " + entry.localHeaderOffset()
                    + " lies beyond the entries area");
        }
        readFully(channel, header, entry.localHeaderOffset(), entry.name());
        if (header.getInt(0) != LOCAL_HEADER_SIGNATURE) {
            throw new CheckpointFormatException("zip entry " + entry.name() + ": no local header at offset "
                    + entry.localHeaderOffset() + " (" + file + ")");
        }
        int nameLength = header.getShort(26) & 0xffff;
        int extraLength = header.getShort(28) & 0xffff;
        long dataOffset = entry.localHeaderOffset() + LOCAL_HEADER_SIZE + nameLength + extraLength;
        if (entry.compressedSize() > centralDirectoryOffset - dataOffset) {
            throw truncated("zip entry " + entry.name() + " needs bytes " + dataOffset + ".."
                    + (dataOffset + entry.compressedSize()) + " but entry data ends at " + centralDirectoryOffset);
        }
        if (entry.isStored() && entry.compressedSize() != entry.size()) {
            throw new CheckpointFormatException("STORED zip entry " + entry.name() + " has compressed size "
                    + entry.compressedSize() + " but size " + entry.size() + " (" + file + ")");
        }
        return dataOffset;
    }

    private byte[] inflate(Entry entry, long dataOffset, long maxBytes) throws IOException {
        if (entry.method() != METHOD_DEFLATED) {
            throw new CheckpointFormatException("zip entry " + entry.name() + " uses compression method "
                    + entry.method() + "; only STORED (0) and DEFLATED (8) are supported (" + file + ")");
        }
        long limit = Math.min(maxBytes, Integer.MAX_VALUE - 16L);
        if (entry.size() > limit) {
            throw new CheckpointFormatException("zip entry " + entry.name() + " would inflate to " + entry.size()
                    + " bytes, more than the " + limit + " allowed (" + file + ")");
        }
        // the output is allocated at its declared size, so first check the compressed bytes could produce it
        long reachable = entry.compressedSize() * MAX_DEFLATE_RATIO + MAX_DEFLATE_RATIO;
        if (entry.size() > reachable) {
            throw new CheckpointFormatException("zip entry " + entry.name() + " declares " + entry.size()
                    + " bytes, but its " + entry.compressedSize() + " compressed bytes can inflate to at most "
                    + reachable + " (corrupt header or zip bomb) (" + file + ")");
        }
        byte[] out = new byte[(int) entry.size()];
        Inflater inflater = new Inflater(true);
        try {
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long position = dataOffset;
            long end = dataOffset + entry.compressedSize();
            int produced = 0;
            byte[] probe = new byte[1];
            while (!inflater.finished()) {
                if (inflater.needsInput()) {
                    if (position >= end) {
                        break;
                    }
                    chunk.clear().limit((int) Math.min(chunk.capacity(), end - position));
                    readFully(channel, chunk, position, entry.name());
                    position += chunk.limit();
                    inflater.setInput(chunk.array(), 0, chunk.limit());
                }
                int n = produced < out.length
                        ? inflater.inflate(out, produced, out.length - produced)
                        : inflater.inflate(probe);
                if (produced >= out.length && n > 0) {
                    throw new CheckpointFormatException("zip entry " + entry.name() + " inflates to more than its declared "
                            + entry.size() + " bytes (" + file + ")");
                }
                produced += n;
                if (n == 0 && inflater.needsDictionary()) {
                    throw new CheckpointFormatException("zip entry " + entry.name() + " needs a preset dictionary (" + file + ")");
                }
            }
            if (produced != out.length || !inflater.finished()) {
                throw new CheckpointFormatException("zip entry " + entry.name() + " inflates to " + produced
                        + " bytes, expected " + entry.size() + " (truncated or corrupt) (" + file + ")");
            }
            return out;
        } catch (DataFormatException e) {
            throw new CheckpointFormatException("zip entry " + entry.name() + " is corrupt: " + e.getMessage()
                    + " (" + file + ")", e);
        } finally {
            inflater.end();
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer target, long position, String what) throws IOException {
        long p = position;
        while (target.hasRemaining()) {
            int n = channel.read(target, p);
            if (n < 0) {
                throw new CheckpointFormatException("zip file ends inside " + what + " at offset " + p
                        + " (truncated?)");
            }
            p += n;
        }
        target.flip();
    }

    private CheckpointFormatException truncated(String detail) {
        return new CheckpointFormatException("truncated or corrupt zip: " + detail + " (" + file + ")");
    }

    // ------------------------------------------------------------------------------------------ central directory

    private record CentralDirectory(long offset, long size, long entryCount) {
    }

    private static CentralDirectory findCentralDirectory(Path file, FileChannel channel, long fileSize) throws IOException {
        int tailLength = (int) Math.min(fileSize, END_RECORD_SIZE + MAX_COMMENT);
        ByteBuffer tail = ByteBuffer.allocate(tailLength).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, tail, fileSize - tailLength, "the end of the file");
        int found = -1;
        for (int i = tailLength - END_RECORD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == END_SIGNATURE) {
                int commentLength = tail.getShort(i + 20) & 0xffff;
                if (i + END_RECORD_SIZE + commentLength == tailLength) {
                    found = i;
                    break;
                }
                if (found < 0 && i + END_RECORD_SIZE + commentLength <= tailLength) {
                    found = i;
                }
            }
        }
        if (found < 0) {
            throw new CheckpointFormatException("not a complete zip archive: no end-of-central-directory record "
                    + "(the file is truncated or not a zip) (" + file + ")");
        }
        long endOffset = fileSize - tailLength + found;
        int disk = tail.getShort(found + 4) & 0xffff;
        int cdDisk = tail.getShort(found + 6) & 0xffff;
        long count = tail.getShort(found + 10) & 0xffff;
        long cdSize = tail.getInt(found + 12) & UINT32_MAX;
        long cdOffset = tail.getInt(found + 16) & UINT32_MAX;

        if (endOffset >= 20) {
            ByteBuffer locator = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, locator, endOffset - 20, "the ZIP64 locator");
            if (locator.getInt(0) == ZIP64_LOCATOR_SIGNATURE) {
                long zip64EndOffset = locator.getLong(8);
                if (zip64EndOffset < 0 || zip64EndOffset > endOffset - 56) {
                    throw new CheckpointFormatException("corrupt zip: ZIP64 end record offset " + zip64EndOffset
                            + " is outside the file (" + file + ")");
                }
                ByteBuffer end64 = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
                readFully(channel, end64, zip64EndOffset, "the ZIP64 end record");
                if (end64.getInt(0) != ZIP64_END_SIGNATURE) {
                    throw new CheckpointFormatException("corrupt zip: no ZIP64 end record at offset " + zip64EndOffset
                            + " (" + file + ")");
                }
                disk = end64.getInt(16);
                cdDisk = end64.getInt(20);
                count = end64.getLong(32);
                cdSize = end64.getLong(40);
                cdOffset = end64.getLong(48);
                endOffset = zip64EndOffset;
            }
        }
        if (disk != 0 || cdDisk != 0) {
            throw new CheckpointFormatException("multi-disk zip archives are not supported (" + file + ")");
        }
        if (count < 0 || count > MAX_ENTRIES) {
            throw new CheckpointFormatException("zip declares " + count + " entries, more than the " + MAX_ENTRIES
                    + " supported (" + file + ")");
        }
        // ZIP64 offsets are 64-bit: compare without adding, so a hostile offset cannot wrap around
        if (cdOffset < 0 || cdSize < 0 || cdSize > Integer.MAX_VALUE || cdOffset > endOffset - cdSize) {
            throw new CheckpointFormatException("truncated or corrupt zip: central directory at " + cdOffset + " (+"
                    + cdSize + " bytes) does not end before the end record at " + endOffset + " (" + file + ")");
        }
        return new CentralDirectory(cdOffset, cdSize, count);
    }

    private static Map<String, Entry> readCentralDirectory(Path file, FileChannel channel, CentralDirectory cd)
            throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) cd.size).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, b, cd.offset, "the central directory");
        Map<String, Entry> entries = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < cd.entryCount; i++) {
            if (p + 46 > b.limit() || b.getInt(p) != CENTRAL_HEADER_SIGNATURE) {
                throw new CheckpointFormatException("corrupt zip: central directory record " + i + " of " + cd.entryCount
                        + " missing at offset " + (cd.offset + p) + " (" + file + ")");
            }
            int flags = b.getShort(p + 8) & 0xffff;
            int method = b.getShort(p + 10) & 0xffff;
            long crc = b.getInt(p + 16) & UINT32_MAX;
            long compressed = b.getInt(p + 20) & UINT32_MAX;
            long size = b.getInt(p + 24) & UINT32_MAX;
            int nameLength = b.getShort(p + 28) & 0xffff;
            int extraLength = b.getShort(p + 30) & 0xffff;
            int commentLength = b.getShort(p + 32) & 0xffff;
            long localOffset = b.getInt(p + 42) & UINT32_MAX;
            int next = p + 46 + nameLength + extraLength + commentLength;
            if (next > b.limit()) {
                throw new CheckpointFormatException("corrupt zip: central directory record " + i
                        + " runs past the directory (" + file + ")");
            }
            byte[] nameBytes = new byte[nameLength];
            b.get(p + 46, nameBytes);
            String name = new String(nameBytes, (flags & 0x800) != 0 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            // ZIP64 extended information: 64-bit values for the fields saturated at 0xffffffff, in this order
            int extra = p + 46 + nameLength;
            int extraEnd = extra + extraLength;
            while (extra + 4 <= extraEnd) {
                int id = b.getShort(extra) & 0xffff;
                int length = b.getShort(extra + 2) & 0xffff;
                int field = extra + 4;
                if (field + length > extraEnd) {
                    break;
                }
                if (id == 0x0001) {
                    int fieldEnd = field + length;
                    if (size == UINT32_MAX && field + 8 <= fieldEnd) { size = b.getLong(field); field += 8; }
                    if (compressed == UINT32_MAX && field + 8 <= fieldEnd) { compressed = b.getLong(field); field += 8; }
                    if (localOffset == UINT32_MAX && field + 8 <= fieldEnd) { localOffset = b.getLong(field); }
                }
                extra += 4 + length;
            }
            if ((flags & 0x1) != 0) {
                throw new CheckpointFormatException("zip entry " + name + " is encrypted (" + file + ")");
            }
            if (size < 0 || compressed < 0 || localOffset < 0 || localOffset >= cd.offset) {
                throw new CheckpointFormatException("corrupt zip: entry " + name + " has size " + size
                        + ", compressed size " + compressed + ", local header at " + localOffset
                        + " (central directory at " + cd.offset + ") (" + file + ")");
            }
            if (entries.put(name, new Entry(name, method, compressed, size, crc, localOffset)) != null) {
                throw new CheckpointFormatException("zip has two entries named " + name + " (" + file + ")");
            }
            p = next;
        }
        return entries;
    }
}

package dev.htdemucs.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Writes zip archives byte by byte, including what {@link java.util.zip.ZipOutputStream} will not write:
 * ZIP64 records for small archives, torch's 64-byte data alignment, and entries whose declared
 * (uncompressed) size is a lie. Used for checkpoints, seeds and hostile inputs of the checkpoint reader;
 * {@link #torchArchive} and the methods after it lay out what {@code torch.save} writes
 * ({@code archive/data.pkl}, {@code archive/data/<key>}, {@code archive/version}).
 */
public final class ZipWriter {
    /** Adds storage entries to a writer (lets a test pass "which storages" as an argument). */
    @FunctionalInterface
    public interface Storages {
        void addTo(ZipWriter writer);
    }

    private static final String TORCH_STORAGES = "archive/data/";
    private static final long UINT32_MAX = 0xffffffffL;
    private static final int ALIGNMENT = 64;
    private static final int TORCH_PADDING_EXTRA_ID = 0x4246; // "FB", what torch uses to pad to 64 bytes

    private record Entry(String name, byte[] data, boolean deflate, long declaredSize) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private boolean zip64;
    private boolean align;
    private boolean deflateStorages;

    public ZipWriter stored(String name, byte[] data) {
        entries.add(new Entry(name, data, false, data.length));
        return this;
    }

    public ZipWriter deflated(String name, byte[] data) {
        entries.add(new Entry(name, data, true, data.length));
        return this;
    }

    /** A DEFLATED entry whose central directory claims {@code declaredSize} uncompressed bytes. */
    public ZipWriter deflatedClaiming(String name, byte[] data, long declaredSize) {
        entries.add(new Entry(name, data, true, declaredSize));
        return this;
    }

    /** Writes ZIP64 extra fields and end records, as zip tools do for archives over 4 GiB. */
    public ZipWriter zip64() {
        zip64 = true;
        return this;
    }

    /** Pads local headers so entry data starts at a multiple of 64 bytes, as torch.save does. */
    public ZipWriter torchAlignment() {
        align = true;
        return this;
    }

    /** A torch archive holding {@code archive/data.pkl} and {@code archive/version} (3). */
    public static ZipWriter torchArchive(byte[] pickle) {
        return new ZipWriter().entry("archive/data.pkl", pickle)
                .entry("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
    }

    /** A STORED entry that replaces any entry of that name (the archive holds each name once). */
    public ZipWriter entry(String name, byte[] data) {
        entries.removeIf(e -> e.name().equals(name));
        return stored(name, data);
    }

    /** Storage {@code archive/data/<key>}. */
    public ZipWriter storage(String key, byte[] bytes) {
        return entry(TORCH_STORAGES + key, bytes);
    }

    /** A float16 storage holding the given values (fp16 bit patterns, little-endian). */
    public ZipWriter halfStorage(String key, short... bits) {
        byte[] b = new byte[bits.length * 2];
        for (int i = 0; i < bits.length; i++) {
            b[2 * i] = (byte) bits[i];
            b[2 * i + 1] = (byte) (bits[i] >> 8);
        }
        return storage(key, b);
    }

    /** Writes the entries under {@code archive/data/} DEFLATED (torch stores them). */
    public ZipWriter deflateStorages() {
        deflateStorages = true;
        return this;
    }

    /** Writes the archive to {@code file}; returns it. */
    public Path write(Path file) throws IOException {
        Files.write(file, toByteArray());
        return file;
    }

    public byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream central = new ByteArrayOutputStream();
        for (Entry stated : entries) {
            boolean deflateStorage = deflateStorages && stated.name().startsWith(TORCH_STORAGES);
            Entry e = deflateStorage ? new Entry(stated.name(), stated.data(), true, stated.declaredSize()) : stated;
            byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
            byte[] payload = e.deflate() ? deflate(e.data()) : e.data();
            CRC32 crc = new CRC32();
            crc.update(e.data());
            long offset = out.size();

            byte[] zip64Local = zip64 ? zip64Extra(e.declaredSize(), payload.length, -1) : new byte[0];
            int padding = 0;
            if (align) {
                int dataStart = (int) offset + 30 + name.length + zip64Local.length + 4;
                padding = (ALIGNMENT - dataStart % ALIGNMENT) % ALIGNMENT;
            }
            byte[] localExtra = concat(zip64Local, align ? paddingExtra(padding) : new byte[0]);

            le(out, 0x04034b50, 4);
            le(out, zip64 ? 45 : 20, 2);
            le(out, 0x800, 2); // UTF-8 names
            le(out, e.deflate() ? 8 : 0, 2);
            le(out, 0, 4); // DOS time and date
            le(out, crc.getValue(), 4);
            le(out, zip64 ? UINT32_MAX : payload.length, 4);
            le(out, zip64 ? UINT32_MAX : e.declaredSize(), 4);
            le(out, name.length, 2);
            le(out, localExtra.length, 2);
            out.writeBytes(name);
            out.writeBytes(localExtra);
            out.writeBytes(payload);

            byte[] centralExtra = zip64 ? zip64Extra(e.declaredSize(), payload.length, offset) : new byte[0];
            le(central, 0x02014b50, 4);
            le(central, zip64 ? 45 : 20, 2);
            le(central, zip64 ? 45 : 20, 2);
            le(central, 0x800, 2);
            le(central, e.deflate() ? 8 : 0, 2);
            le(central, 0, 4);
            le(central, crc.getValue(), 4);
            le(central, zip64 ? UINT32_MAX : payload.length, 4);
            le(central, zip64 ? UINT32_MAX : e.declaredSize(), 4);
            le(central, name.length, 2);
            le(central, centralExtra.length, 2);
            le(central, 0, 2); // comment
            le(central, 0, 2); // disk
            le(central, 0, 2); // internal attributes
            le(central, 0, 4); // external attributes
            le(central, zip64 ? UINT32_MAX : offset, 4);
            central.writeBytes(name);
            central.writeBytes(centralExtra);
        }
        long centralOffset = out.size();
        long centralSize = central.size();
        out.writeBytes(central.toByteArray());
        if (zip64) {
            long end64Offset = out.size();
            le(out, 0x06064b50, 4);
            le(out, 44, 8);
            le(out, 45, 2);
            le(out, 45, 2);
            le(out, 0, 4);
            le(out, 0, 4);
            le(out, entries.size(), 8);
            le(out, entries.size(), 8);
            le(out, centralSize, 8);
            le(out, centralOffset, 8);
            le(out, 0x07064b50, 4);
            le(out, 0, 4);
            le(out, end64Offset, 8);
            le(out, 1, 4);
        }
        le(out, 0x06054b50, 4);
        le(out, 0, 2);
        le(out, 0, 2);
        le(out, zip64 ? 0xffff : entries.size(), 2);
        le(out, zip64 ? 0xffff : entries.size(), 2);
        le(out, zip64 ? UINT32_MAX : centralSize, 4);
        le(out, zip64 ? UINT32_MAX : centralOffset, 4);
        le(out, 0, 2);
        return out.toByteArray();
    }

    /** ZIP64 extended information: size, compressed size and (central directory only) header offset. */
    private static byte[] zip64Extra(long size, long compressed, long offset) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        le(b, 0x0001, 2);
        le(b, offset >= 0 ? 24 : 16, 2);
        le(b, size, 8);
        le(b, compressed, 8);
        if (offset >= 0) {
            le(b, offset, 8);
        }
        return b.toByteArray();
    }

    private static byte[] paddingExtra(int padding) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        le(b, TORCH_PADDING_EXTRA_ID, 2);
        le(b, padding, 2);
        b.writeBytes(new byte[padding]);
        return b.toByteArray();
    }

    public static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        try {
            deflater.setInput(data);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static void le(ByteArrayOutputStream out, long value, int byteCount) {
        for (int i = 0; i < byteCount; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }
}

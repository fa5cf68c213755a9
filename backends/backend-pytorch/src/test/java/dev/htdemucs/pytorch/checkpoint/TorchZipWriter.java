package dev.htdemucs.pytorch.checkpoint;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes torch-style zip archives ({@code archive/data.pkl}, {@code archive/data/<key>}, {@code archive/version}). */
final class TorchZipWriter {
    /** Adds storage entries to a writer (lets a test pass "which storages" as an argument). */
    @FunctionalInterface
    interface Storages {
        void addTo(TorchZipWriter writer);
    }

    private final Map<String, byte[]> entries = new LinkedHashMap<>();
    private boolean deflateStorages;

    static TorchZipWriter withPickle(byte[] pickle) {
        TorchZipWriter w = new TorchZipWriter();
        w.entries.put("archive/data.pkl", pickle);
        w.entries.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return w;
    }

    TorchZipWriter storage(String key, byte[] bytes) {
        entries.put("archive/data/" + key, bytes);
        return this;
    }

    /** A float16 storage holding the given values (fp16 bit patterns, little-endian). */
    TorchZipWriter halfStorage(String key, short... bits) {
        byte[] b = new byte[bits.length * 2];
        for (int i = 0; i < bits.length; i++) {
            b[2 * i] = (byte) bits[i];
            b[2 * i + 1] = (byte) (bits[i] >> 8);
        }
        return storage(key, b);
    }

    TorchZipWriter entry(String name, byte[] bytes) {
        entries.put(name, bytes);
        return this;
    }

    TorchZipWriter deflateStorages() {
        deflateStorages = true;
        return this;
    }

    Path write(Path file) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                boolean deflate = deflateStorages && e.getKey().startsWith("archive/data/");
                if (!deflate) {
                    CRC32 crc = new CRC32();
                    crc.update(e.getValue());
                    entry.setMethod(ZipEntry.STORED);
                    entry.setSize(e.getValue().length);
                    entry.setCompressedSize(e.getValue().length);
                    entry.setCrc(crc.getValue());
                } else {
                    entry.setMethod(ZipEntry.DEFLATED);
                }
                zip.putNextEntry(entry);
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}

package dev.htdemucs.pytorch.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZipArchiveTest {
    @TempDir
    Path dir;

    @Test
    void storedEntriesAreMappedAtTheirDataOffset() throws IOException {
        Path tiny6 = dev.htdemucs.golden.Golden.tiny6().file("model.th");
        try (ZipArchive zip = ZipArchive.open(tiny6)) {
            assertEquals(435, zip.entries().size());
            ZipArchive.Entry storage = zip.entry("model/data/0").orElseThrow();
            assertTrue(storage.isStored());
            ByteBuffer b = zip.bytes(storage, 0);
            assertTrue(b.isDirect());
            assertEquals(512, b.remaining());
            assertEquals((short) 0xb151, b.order(ByteOrder.LITTLE_ENDIAN).getShort(0)); // -0.16614 in fp16
            assertEquals("3\n", new String(zip.read(zip.entry("model/version").orElseThrow(), 16)));
        }
    }

    /** A deflated entry whose directory claims fewer bytes than it inflates to (a "zip bomb" shape). */
    @Test
    void inflationStopsAtTheDeclaredSize() throws IOException {
        Path file = dir.resolve("bomb.zip");
        byte[] payload = new byte[100_000];
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/data/0"));
            zip.write(payload);
            zip.closeEntry();
        }
        byte[] bytes = Files.readAllBytes(file);
        // central directory record: uncompressed size at offset 24 of the record
        int cd = lastIndexOf(bytes, new byte[] {0x50, 0x4b, 0x01, 0x02});
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(cd + 24, 1000);
        Files.write(file, bytes);
        try (ZipArchive zip = ZipArchive.open(file)) {
            ZipArchive.Entry e = zip.entry("archive/data/0").orElseThrow();
            assertEquals(1000, e.size());
            CheckpointFormatException ex = assertThrows(CheckpointFormatException.class, () -> zip.bytes(e, 1 << 20));
            assertTrue(ex.getMessage().contains("inflates to more than its declared 1000 bytes"), ex.getMessage());
            CheckpointFormatException limit = assertThrows(CheckpointFormatException.class, () -> zip.bytes(e, 999));
            assertTrue(limit.getMessage().contains("would inflate to 1000 bytes, more than the 999 allowed"), limit.getMessage());
        }
    }

    @Test
    void duplicateEntryNamesAreRefused() throws IOException {
        Path file = dir.resolve("dup.zip");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("archive/data.pkX"));
            zip.closeEntry();
        }
        byte[] bytes = Files.readAllBytes(file);
        // rename the second entry in the central directory to collide with the first
        int second = lastIndexOf(bytes, "archive/data.pkX".getBytes());
        bytes[second + "archive/data.pk".length()] = 'l';
        Files.write(file, bytes);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ZipArchive.open(file));
        assertTrue(e.getMessage().contains("two entries named archive/data.pkl"), e.getMessage());
    }

    static int lastIndexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) continue outer;
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}

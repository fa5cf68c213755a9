package dev.htdemucs.spi;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AtomicFilesTest {
    @TempDir Path dir;

    private List<String> names() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplacesAFile() throws IOException {
        Path target = dir.resolve("a.txt");
        AtomicFiles.write(target, f -> Files.writeString(f, "one"));
        AtomicFiles.write(target, f -> Files.writeString(f, "two"));
        assertEquals("two", Files.readString(target));
        assertEquals(List.of("a.txt"), names());
    }

    @Test
    void aFailedWriteLeavesTheTargetAndNoTemporary() throws IOException {
        Path target = dir.resolve("a.txt");
        Files.writeString(target, "old");
        IOException boom = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, f -> {
            Files.writeString(f, "half");
            throw boom;
        }));
        assertSame(boom, thrown);
        assertEquals("old", Files.readString(target));
        assertEquals(List.of("a.txt"), names());
    }

    @Test
    void replacesADirectoryAndRemovesTheOldOne() throws IOException {
        Path target = Files.createDirectory(dir.resolve("song"));
        Files.writeString(target.resolve("old.wav"), "old");
        Path staging = Files.createTempDirectory(dir, ".song.partial-");
        Files.writeString(staging.resolve("new.wav"), "new");
        AtomicFiles.replaceDirectory(staging, target);
        assertEquals("new", Files.readString(target.resolve("new.wav")));
        assertFalse(Files.exists(target.resolve("old.wav")));
        assertEquals(List.of("song"), names());
    }

    @Test
    void deletesATree() throws IOException {
        Path tree = Files.createDirectories(dir.resolve("t/u/v"));
        Files.writeString(tree.resolve("f"), "x");
        AtomicFiles.deleteTree(dir.resolve("t"));
        AtomicFiles.deleteTree(dir.resolve("absent"));
        assertEquals(List.of(), names());
    }
}

package dev.htdemucs.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One temporary file a fuzz target rewrites for every input, because the readers under test take paths.
 * The readers memory-map what they read; nothing keeps those maps past the input that made them.
 */
final class ScratchFile {
    private final Path path;

    private ScratchFile(Path path) {
        this.path = path;
    }

    static ScratchFile create(String suffix) {
        try {
            Path path = Files.createTempFile("htdemucs-fuzz-", suffix);
            path.toFile().deleteOnExit();
            return new ScratchFile(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(byte[] content) throws IOException {
        Files.write(path, content);
        return path;
    }
}

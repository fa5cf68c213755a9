package dev.htdemucs.report;

import dev.htdemucs.spi.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writing a rendered report to disk without ever leaving a half-written file at the target path. */
final class ReportFiles {

    private ReportFiles() {
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path target = file.toAbsolutePath();
        Path directory = target.getParent();
        if (directory != null) {
            Files.createDirectories(directory);
        }
        // Not Files.createTempFile: that makes the file owner-only, and a report is meant to be shared.
        AtomicFiles.write(target, temporary -> {
            try (OutputStream out = Files.newOutputStream(temporary, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                out.write(content.getBytes(StandardCharsets.UTF_8));
            }
        });
    }
}

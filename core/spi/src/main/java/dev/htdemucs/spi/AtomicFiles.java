package dev.htdemucs.spi;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writing files and folders so that a reader never sees half of one: the content goes to a hidden sibling
 * of the target (same directory, so same file system), which is renamed over the target when complete. A
 * failed or killed write leaves the target as it was.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a new file. */
    @FunctionalInterface
    public interface Content {
        /** Creates and fills {@code file}, which does not exist yet. */
        void writeTo(Path file) throws IOException;
    }

    /**
     * Writes {@code target} through {@code content} at a hidden sibling {@code .NAME.RANDOM.tmp}, then renames
     * it over {@code target}. On any failure the sibling is deleted and the failure rethrown. The parent
     * directory must exist.
     */
    public static void write(Path target, Content content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path temporary = absolute.resolveSibling("." + absolute.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            content.writeTo(temporary);
            rename(temporary, absolute, true);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Renames {@code from} to {@code to}: atomically where the file system can, else as a plain move.
     * {@code replace} replaces an existing file (or empty directory) at {@code to}.
     */
    public static void rename(Path from, Path to, boolean replace) throws IOException {
        try {
            if (replace) {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (AtomicMoveNotSupportedException e) {
            if (replace) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(from, to);
            }
        }
    }

    /**
     * Puts the finished folder {@code staging} (a sibling of {@code target}) in place of {@code target}: an
     * existing {@code target} is first renamed aside into a hidden {@code .NAME.previous-*} folder and
     * deleted once {@code staging} has taken its name.
     */
    public static void replaceDirectory(Path staging, Path target) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Path parent = target.toAbsolutePath().getParent();
            Path previous = Files.createTempDirectory(parent, "." + target.getFileName() + ".previous-");
            rename(target, previous.resolve(target.getFileName()), false);
            rename(staging, target, false);
            deleteTree(previous);
        } else {
            rename(staging, target, false);
        }
    }

    /** Deletes {@code dir} and everything under it (symbolic links are deleted, not followed); nothing if absent. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) throw exc;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}

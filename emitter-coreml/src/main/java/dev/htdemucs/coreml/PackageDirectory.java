package dev.htdemucs.coreml;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes a package directory atomically: everything goes into a hidden temporary directory beside the
 * target ({@code .NAME.tmp-RANDOM}), which is renamed to the target only once complete. A failure deletes
 * the temporary directory; an existing target is replaced only when {@code force} is set (moved aside,
 * replaced, then deleted — restored if the rename fails).
 */
final class PackageDirectory {
    @FunctionalInterface
    interface Contents {
        void writeInto(Path dir) throws Exception;
    }

    private PackageDirectory() {}

    static void write(Path target, boolean force, Contents contents) throws Exception {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new IOException("cannot write a package at the file system root: " + target);
        if (Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !force) {
            throw new FileAlreadyExistsException(abs.toString(), null,
                    "already exists; pass the option force=true to replace it");
        }
        Files.createDirectories(parent);
        String name = abs.getFileName().toString();
        Path tmp = parent.resolve("." + name + ".tmp-" + random());
        Files.createDirectory(tmp);
        try {
            contents.writeInto(tmp);
            if (Files.exists(abs, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Path old = parent.resolve("." + name + ".old-" + random());
                move(abs, old);
                try {
                    move(tmp, abs);
                } catch (IOException e) {
                    move(old, abs);
                    throw e;
                }
                deleteTree(old);
            } else {
                move(tmp, abs);
            }
        } catch (Exception | Error e) {
            try {
                deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static String random() {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
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

    static long size(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) files::iterator) if (Files.isRegularFile(p)) total += Files.size(p);
            return total;
        }
    }
}

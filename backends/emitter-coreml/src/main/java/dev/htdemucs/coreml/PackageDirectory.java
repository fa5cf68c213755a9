package dev.htdemucs.coreml;

import dev.htdemucs.spi.AtomicFiles;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Writes a package directory atomically: everything goes into a hidden temporary directory beside the
 * target, {@code .NAME.tmp-PID-RANDOM}, whose files are synced to disk before it is renamed to the target.
 * Nobody ever sees a half-written package under the target's name. A failure deletes the temporary
 * directory; an existing target is replaced only when {@code force} is set (moved aside to
 * {@code .NAME.old-PID-RANDOM}, replaced, then deleted — restored if the rename fails).
 *
 * <p><b>Stale temporaries.</b> A process killed half-way (SIGKILL, out-of-memory killer, power loss) cannot
 * clean up after itself. So before writing, {@link #write} deletes the siblings {@code .NAME.tmp-PID-*} and
 * {@code .NAME.old-PID-*} whose owning process is dead — identified by the PID in the name, not by age, so
 * a slow conversion to the same target running concurrently keeps its temporary however long it takes. An
 * owner counts as dead when no process has its PID, or when the process with that PID started after the
 * directory was last modified (the PID was reused by a process that cannot have written it). A stale
 * {@code .old-} directory is the previous package of a forced replacement killed between its two renames:
 * if the target is missing it is put back first, so the user's last good package survives. PIDs are local
 * to a machine: on a network file system shared by several machines, convert to one target from one
 * machine at a time. Temporaries without a PID in their name (older versions) are left alone.
 */
final class PackageDirectory {
    @FunctionalInterface
    interface Contents {
        void writeInto(Path dir) throws Exception;
    }

    static final String TEMP_MARKER = ".tmp-";
    static final String OLD_MARKER = ".old-";
    /** Slack for the start time of a process, which Linux reports to the nearest second or so. */
    private static final Duration START_TIME_SLACK = Duration.ofSeconds(2);

    private PackageDirectory() {}

    static void write(Path target, boolean force, Contents contents) throws Exception {
        Path abs = target.toAbsolutePath().normalize();
        Path parent = abs.getParent();
        if (parent == null) throw new IOException("cannot write a package at the file system root: " + target);
        requireDirectoryOrCreatable(parent);
        Files.createDirectories(parent);
        String name = abs.getFileName().toString();
        removeStale(parent, name);
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !force) throw alreadyExists(abs);
        Path tmp = parent.resolve(tempName(name, TEMP_MARKER));
        Files.createDirectory(tmp);
        try {
            contents.writeInto(tmp);
            syncTree(tmp);
            if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
                // another conversion to the same target may have finished meanwhile: replace it only when asked to
                if (!force) throw alreadyExists(abs);
                Path old = parent.resolve(tempName(name, OLD_MARKER));
                AtomicFiles.rename(abs, old, false);
                try {
                    AtomicFiles.rename(tmp, abs, false);
                } catch (IOException e) {
                    AtomicFiles.rename(old, abs, false);
                    throw e;
                }
                AtomicFiles.deleteTree(old);
            } else {
                try {
                    AtomicFiles.rename(tmp, abs, false);
                } catch (FileSystemException e) {
                    // rename(2) refuses to replace a non-empty directory: a concurrent writer got there first
                    if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) throw e;
                    IOException raced = force
                            ? new IOException(abs + " was written by another process at the same time; run again to replace it")
                            : alreadyExists(abs);
                    raced.addSuppressed(e);
                    throw raced;
                }
            }
            syncDirectory(parent);
        } catch (Exception | Error e) {
            try {
                AtomicFiles.deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static FileAlreadyExistsException alreadyExists(Path abs) {
        return new FileAlreadyExistsException(abs.toString(), null, "already exists; pass the option force=true to replace it");
    }

    /** {@code .NAME.tmp-PID-RANDOM}: the PID lets a later run tell a dead writer's leftovers from a live one's. */
    static String tempName(String name, String marker) {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        return "." + name + marker + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(b);
    }

    /** The PID encoded in a temporary's name by {@link #tempName}, if {@code entry} is one for {@code name}. */
    static Optional<Long> ownerPid(String entry, String name, String marker) {
        String prefix = "." + name + marker;
        if (!entry.startsWith(prefix)) return Optional.empty();
        String rest = entry.substring(prefix.length());
        int dash = rest.indexOf('-');
        if (dash <= 0 || dash > 18) return Optional.empty();
        for (int i = 0; i < dash; i++) if (!Character.isDigit(rest.charAt(i))) return Optional.empty();
        return Optional.of(Long.parseLong(rest.substring(0, dash)));
    }

    /**
     * Deletes the temporaries of dead writers beside {@code parent/name} (see the class comment) and, if the
     * target is missing, restores a dead writer's {@code .old-} package. Returns what it deleted or restored.
     */
    static List<Path> removeStale(Path parent, String name) throws IOException {
        List<Path> stale = new ArrayList<>();
        List<Path> staleOld = new ArrayList<>();
        String prefix = "." + name + ".";
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, p -> p.getFileName().toString().startsWith(prefix))) {
            for (Path p : entries) {
                String entry = p.getFileName().toString();
                Optional<Long> tmpOwner = ownerPid(entry, name, TEMP_MARKER);
                Optional<Long> oldOwner = ownerPid(entry, name, OLD_MARKER);
                Optional<Long> owner = tmpOwner.isPresent() ? tmpOwner : oldOwner;
                if (owner.isEmpty()) continue;
                FileTime modified;
                try {
                    modified = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException gone) {
                    continue; // its owner finished or cleaned up meanwhile
                }
                if (ownerAlive(owner.get(), modified.toInstant())) continue;
                (oldOwner.isPresent() ? staleOld : stale).add(p);
            }
        }
        List<Path> handled = new ArrayList<>();
        Path target = parent.resolve(name);
        for (Path old : staleOld) {
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    AtomicFiles.rename(old, target, false);
                    handled.add(old);
                    continue;
                } catch (IOException restoreFailed) {
                    // fall through: delete it like any other leftover
                }
            }
            stale.add(old);
        }
        for (Path p : stale) {
            try {
                AtomicFiles.deleteTree(p);
                handled.add(p);
            } catch (NoSuchFileException raced) {
                // another run removed it at the same time
            }
        }
        return handled;
    }

    /** Whether the process {@code pid} is alive and old enough to have written something last modified at {@code modified}. */
    static boolean ownerAlive(long pid, Instant modified) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) return false;
        Optional<Instant> started = process.get().info().startInstant();
        return started.isEmpty() || !started.get().isAfter(modified.plus(START_TIME_SLACK));
    }

    /** A clear error when an ancestor of the package's directory is a regular file (createDirectories would say "already exists"). */
    private static void requireDirectoryOrCreatable(Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new IOException(p.equals(dir) ? p + " is a file, not a directory"
                            : "cannot create the directory " + dir + ": " + p + " is a file, not a directory");
                }
                return;
            }
        }
    }

    /** Flushes every file and directory of the finished package to disk, so the rename never publishes empty files after a crash. */
    private static void syncTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    try (FileChannel c = FileChannel.open(p, StandardOpenOption.WRITE)) {
                        c.force(true);
                    }
                } else {
                    syncDirectory(p);
                }
            }
        }
    }

    /** Syncs a directory's entries (renames) where the platform allows opening a directory; elsewhere a no-op. */
    private static void syncDirectory(Path dir) {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // Windows cannot open directories; the rename is still atomic there
        }
    }

    static long size(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            long total = 0;
            for (Path p : (Iterable<Path>) files::iterator) if (Files.isRegularFile(p)) total += Files.size(p);
            return total;
        }
    }
}

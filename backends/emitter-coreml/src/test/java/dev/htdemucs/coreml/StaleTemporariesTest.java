package dev.htdemucs.coreml;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.htdemucs.coreml.PackageWriteTest.FP32;
import static dev.htdemucs.coreml.PackageWriteTest.entries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Leftovers of writers killed half-way are cleaned by the next write, while a live writer's temporary
 * (a concurrent conversion to the same target) is never touched; races on one target end with one package.
 */
class StaleTemporariesTest {
    /** Above Linux's largest pid_max (2^22): no process ever has it. */
    static final long DEAD_PID = Integer.MAX_VALUE;
    static final long OWN_PID = ProcessHandle.current().pid();

    private static Path fakeTemp(Path dir, String entry) throws Exception {
        Path t = dir.resolve(entry);
        Files.createDirectories(t.resolve("Data/com.apple.CoreML/weights"));
        Files.write(t.resolve("Data/com.apple.CoreML/weights/weight.bin"), new byte[4096]);
        return t;
    }

    @Test
    void tempNamesCarryTheWritersPid() {
        String name = PackageDirectory.tempName("m.mlpackage", PackageDirectory.TEMP_MARKER);
        assertTrue(name.matches("\\.m\\.mlpackage\\.tmp-" + OWN_PID + "-[0-9a-f]{12}"), name);
        assertEquals(Optional.of(OWN_PID), PackageDirectory.ownerPid(name, "m.mlpackage", PackageDirectory.TEMP_MARKER));
        assertEquals(Optional.of(12L), PackageDirectory.ownerPid(".m.mlpackage.old-12-ab", "m.mlpackage", PackageDirectory.OLD_MARKER));
        for (String notOurs : new String[]{".m.mlpackage.tmp-0123456789ab", ".m.mlpackage.tmp--1-ab", ".n.mlpackage.tmp-12-ab",
                ".m.mlpackage.tmp-x1-ab", "m.mlpackage.tmp-12-ab", ".m.mlpackage.tmp-5.tmp-12-ab"}) {
            assertEquals(Optional.empty(), PackageDirectory.ownerPid(notOurs, "m.mlpackage", PackageDirectory.TEMP_MARKER), notOurs);
        }
    }

    @Test
    void deadWritersLeftoversAreRemovedLiveOnesAndForeignNamesKept(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("m.mlpackage");
        TestSupport.emit(OpCases.all().get(0).graph(), FP32, pkg, Options.NONE);
        Path dead = fakeTemp(dir, ".m.mlpackage.tmp-" + DEAD_PID + "-0123456789ab");
        Path deadOld = fakeTemp(dir, ".m.mlpackage.old-" + DEAD_PID + "-0123456789ab");
        Path live = fakeTemp(dir, ".m.mlpackage.tmp-" + OWN_PID + "-0123456789ab");
        // a PID that is alive now but started after the temporary was last touched: reused, so the writer is dead
        Path reused = fakeTemp(dir, ".m.mlpackage.tmp-" + OWN_PID + "-ba9876543210");
        Instant started = ProcessHandle.current().info().startInstant().orElseThrow();
        Files.setLastModifiedTime(reused, FileTime.from(started.minusSeconds(3600)));
        Path legacy = fakeTemp(dir, ".m.mlpackage.tmp-0123456789ab");
        Path otherTarget = fakeTemp(dir, ".n.mlpackage.tmp-" + DEAD_PID + "-0123456789ab");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.of("force", "true"));

        assertFalse(Files.exists(dead), "dead writer's temporary removed");
        assertFalse(Files.exists(reused), "temporary of a reused PID removed");
        assertFalse(Files.exists(deadOld), "dead writer's replaced package removed once the target exists");
        assertTrue(Files.isDirectory(live), "a live writer's temporary is left alone");
        assertTrue(Files.isDirectory(legacy), "a temporary without a PID is left alone");
        assertTrue(Files.isDirectory(otherTarget), "another target's temporaries are not ours to clean");
        assertEquals(List.of(legacy, live, otherTarget, pkg), entries(dir));
    }

    /** A forced replacement killed between its two renames leaves the old package in .old-: it comes back. */
    @Test
    void packageMovedAsideByADeadWriterIsRestored(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("m.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        String sha = TestSupport.sha256(MLPackageLayout.model(pkg));
        Path aside = dir.resolve(".m.mlpackage.old-" + DEAD_PID + "-0123456789ab");
        Files.move(pkg, aside);
        fakeTemp(dir, ".m.mlpackage.tmp-" + DEAD_PID + "-0123456789ab");

        Graph other = OpCases.all().get(0).graph();
        PluginException e = assertThrows(PluginException.class, () -> TestSupport.emit(other, FP32, pkg, Options.NONE));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        assertEquals(sha, TestSupport.sha256(MLPackageLayout.model(pkg)), "the previous package is back under its name");
        assertEquals(List.of(pkg), entries(dir));
    }

    @Test
    void aFileWhereTheDirectoryShouldBeIsAClearError(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "not a directory");
        Path pkg = file.resolve("sub/m.mlpackage");
        PluginException e = assertThrows(PluginException.class, () -> TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE));
        assertEquals("cannot write " + pkg + ": cannot create the directory " + file.resolve("sub") + ": " + file
                + " is a file, not a directory", e.getMessage());
        assertEquals(List.of(file), entries(dir));
    }

    /**
     * Writers racing for one target without force: exactly one publishes its package, the others are told it
     * exists, and no temporary is left behind.
     */
    @Test
    void concurrentWritersToOneTargetLeaveOnePackage(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("m.mlpackage");
        int writers = 4;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < writers; i++) {
                Callable<Boolean> writer = () -> {
                    start.await();
                    try {
                        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
                        return true;
                    } catch (PluginException e) {
                        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
                        return false;
                    }
                };
                results.add(pool.submit(writer));
            }
            start.countDown();
            int published = 0;
            for (Future<Boolean> f : results) if (f.get()) published++;
            assertEquals(1, published, "exactly one writer publishes");
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(pkg), entries(dir));
    }
}

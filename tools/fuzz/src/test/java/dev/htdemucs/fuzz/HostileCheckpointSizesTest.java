package dev.htdemucs.fuzz;

import dev.htdemucs.testsupport.PickleWriter;
import dev.htdemucs.testsupport.ZipWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.htdemucs.fuzz.TorchCheckpoints.TensorView;
import dev.htdemucs.pytorch.checkpoint.Checkpoint;
import dev.htdemucs.pytorch.checkpoint.CheckpointFormatException;
import dev.htdemucs.pytorch.checkpoint.SafeUnpickler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints whose headers declare more than they hold. The module's test JVM has a 512 MiB heap, so a
 * reader that allocates what such a header declares fails here with OutOfMemoryError; each of these
 * must instead be refused with a {@link CheckpointFormatException} that says what was wrong.
 */
class HostileCheckpointSizesTest {
    private static final Duration QUICKLY = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void storageDeclaringMoreElementsThanTheArchiveHolds() throws IOException {
        TensorView huge = new TensorView("w", "HalfStorage", "0", 1L << 40, 0, new long[] {2}, new long[] {1});
        byte[] file = TorchCheckpoints.archive("model/", TorchCheckpoints.demucsPackage(List.of(huge)),
                Map.of("0", new byte[64]), false).toByteArray();
        assertRefused(file, "declares 1099511627776");
    }

    @Test
    void deflatedStorageClaimingTwoGigabytes() throws IOException {
        assertRefused(Findings.deflatedStorageDeclaringTwoGigabytes(), "model/data/0");
    }

    @Test
    void deflatedPickleClaimingMoreThanItCanInflateTo() throws IOException {
        byte[] file = new ZipWriter()
                .deflatedClaiming("model/data.pkl", TorchCheckpoints.demucsPackage(List.of()), 250L << 20)
                .toByteArray();
        assertRefused(file, "model/data.pkl");
    }

    @Test
    void zip64CentralDirectoryAtAnOffsetThatOverflows() throws IOException {
        assertRefused(Findings.zip64CentralDirectoryOffsetThatWraps(), "central directory");
    }

    @Test
    void zip64EntryWhoseCompressedSizeOverflows() throws IOException {
        byte[] pickle = TorchCheckpoints.demucsPackage(List.of());
        byte[] file = new ZipWriter().deflated("model/data.pkl", pickle).zip64().toByteArray();
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int central = Findings.lastIndexOf(file, 0x02014b50);
        int extra = central + 46 + "model/data.pkl".length();
        assertEquals(0x0001, b.getShort(extra), "ZIP64 extra field expected");
        b.putLong(extra + 4 + 8, Long.MAX_VALUE - 8); // compressed size
        assertRefused(file, "model/data.pkl");
    }

    @Test
    void broadcastViewAddressingMoreElementsThanItsStorage() throws IOException {
        // stride 0 keeps every element inside a one-element storage, but materialising the view needs
        // (2^31-1)^2 elements, or for the second, 1.6 GB
        TensorView enormous = Findings.broadcastView(Integer.MAX_VALUE, Integer.MAX_VALUE);
        TensorView large = Findings.broadcastView(40_000, 10_000);
        for (TensorView view : List.of(enormous, large)) {
            byte[] file = TorchCheckpoints.archive("model/", TorchCheckpoints.demucsPackage(List.of(view)),
                    Map.of("0", new byte[64]), false).toByteArray();
            assertRefused(file, "tensor 'w'");
        }
    }

    @Test
    void deeplyNestedFrozensets() {
        assertUnpickleRefused(Findings.nestedFrozensets(100_000), "nested");
    }

    @Test
    void deeplyNestedContainersLoadWithoutRecursion() throws IOException {
        // lists, dicts and tuples as values are never hashed: 200 000 levels load fine
        PickleWriter p = new PickleWriter().proto(2);
        int depth = 200_000;
        for (int i = 0; i < depth; i++) {
            p.emptyList();
        }
        for (int i = 0; i < depth - 1; i++) {
            p.append();
        }
        for (int i = 0; i < depth; i++) {
            p.mark();
        }
        for (int i = 0; i < depth; i++) {
            p.tuple();
        }
        p.tuple2().stop();
        Object root = assertTimeoutPreemptively(QUICKLY,
                () -> new SafeUnpickler(p.toByteArray(), "data.pkl", "nested", null).load());
        // never print root: its toString would recurse 200 000 levels
        assertTrue(root instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof List<?>,
                () -> "expected (list, tuple), got a " + root.getClass().getSimpleName());
    }

    @Test
    void tupleKeysSharingOneTupleAlongSixtyLevels() {
        Object root = assertTimeoutPreemptively(QUICKLY,
                () -> new SafeUnpickler(Findings.doubledTupleKeys(60), "data.pkl", "shared", null).load());
        Map<?, ?> dict = (Map<?, ?>) root;
        assertEquals(1, dict.size(), "the three keys are one Python value");
        assertEquals(List.of("c"), List.copyOf(dict.values()), "the last assignment wins");
    }

    @Test
    void frozensetMembersSharingOneFrozensetAlongThirtyLevels() {
        Object root = assertTimeoutPreemptively(QUICKLY,
                () -> new SafeUnpickler(Findings.doubledFrozensetMembers(30), "data.pkl", "shared", null).load());
        assertEquals(1, ((java.util.Set<?>) root).size(), "the two members are one Python value");
    }

    @Test
    void fractionWithAHugeExponent() {
        for (String text : List.of("1e999999999", "1e-999999999", "-7e-99999", "3e400000000")) {
            assertUnpickleRefused(Findings.fraction(text), "Fraction");
        }
    }

    @Test
    void memoFlood() {
        // 4 MiB of MEMOIZE opcodes (a 4 KiB deflated data.pkl) must not exhaust the heap
        PickleWriter p = new PickleWriter().proto(4).none();
        for (int i = 0; i < (1 << 22) + 1; i++) {
            p.memoize();
        }
        assertUnpickleRefused(p.stop().toByteArray(), "memo");
    }

    @Test
    void stackFlood() {
        PickleWriter p = new PickleWriter().proto(4).none();
        for (int i = 0; i < (1 << 22) + 1; i++) {
            p.dup();
        }
        assertUnpickleRefused(p.stop().toByteArray(), "stack");
    }

    private void assertRefused(byte[] file, String expectedInMessage) throws IOException {
        Path path = Files.write(tmp.resolve("hostile.th"), file);
        CheckpointFormatException e = assertTimeoutPreemptively(QUICKLY,
                () -> assertThrows(CheckpointFormatException.class, () -> Checkpoint.open(path)));
        ReaderContract.requireOwnDiagnosis(e);
        assertTrue(e.getMessage().contains(expectedInMessage), "message should mention '" + expectedInMessage + "': "
                + e.getMessage());
    }

    private static void assertUnpickleRefused(byte[] pickle, String expectedInMessage) {
        CheckpointFormatException e = assertTimeoutPreemptively(QUICKLY, () -> assertThrows(CheckpointFormatException.class,
                () -> new SafeUnpickler(pickle, "data.pkl", "hostile", null).load()));
        ReaderContract.requireOwnDiagnosis(e);
        assertTrue(e.getMessage().contains(expectedInMessage), "message should mention '" + expectedInMessage + "': "
                + e.getMessage());
    }
}

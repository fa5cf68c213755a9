package dev.htdemucs.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.pytorch.checkpoint.Checkpoint;
import dev.htdemucs.pytorch.checkpoint.CheckpointFormatException;
import dev.htdemucs.pytorch.checkpoint.StoredTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@link Checkpoint#open}: every input either opens, and then every state tensor materialises,
 * or is refused with a {@link CheckpointFormatException} (an {@code UnsafePickleException} is one).
 *
 * <p>{@link #checkpointFile} mutates whole files (zip structure, ZIP64 records, entry headers);
 * {@link #checkpointPickle} mutates only {@code data.pkl} and wraps it in a well-formed archive with
 * three storages, so mutations are not wasted on CRC-32 failures and reach tensor rebuilding.
 */
class CheckpointFuzzTest {
    private static final ScratchFile FILE = ScratchFile.create(".th");
    private static final byte[] STORAGE = new byte[64];
    /** The pickle target's storages: key to bytes, in a fixed order so inputs replay identically. */
    private static final Map<String, byte[]> STORED_STORAGES = new LinkedHashMap<>();

    static {
        STORED_STORAGES.put("0", STORAGE);
        STORED_STORAGES.put("1", STORAGE);
    }

    @FuzzTest(maxDuration = "10m")
    void checkpointFile(byte[] file) throws IOException {
        openAndMaterialise(FILE.write(file));
    }

    @FuzzTest(maxDuration = "10m")
    void checkpointPickle(byte[] pickle) throws IOException {
        openAndMaterialise(FILE.write(archiveAround(pickle)));
    }

    /** The archive {@link #checkpointPickle} wraps a pickle in: storages "0" and "1" stored, "2" deflated. */
    static byte[] archiveAround(byte[] pickle) {
        return TorchCheckpoints.archive("model/", pickle, STORED_STORAGES, false)
                .deflated("model/data/2", STORAGE)
                .toByteArray();
    }

    private static void openAndMaterialise(Path file) throws IOException {
        Checkpoint checkpoint;
        try {
            checkpoint = Checkpoint.open(file);
        } catch (CheckpointFormatException rejected) {
            ReaderContract.requireOwnDiagnosis(rejected);
            return;
        }
        // what the demucs loader does next: every accessor, then every tensor as a dense IR tensor
        checkpoint.toString();
        checkpoint.trainingArgs();
        checkpoint.kwargs().size();
        long elements = 0;
        for (StoredTensor stored : checkpoint.state().values()) {
            Tensor dense = stored.toTensor();
            if (dense.numel() != stored.numel()) {
                throw new AssertionError(stored + " materialised as " + dense);
            }
            ByteBuffer data = dense.data();
            while (data.hasRemaining()) {
                data.get();
            }
            elements += dense.numel();
        }
        if (elements != checkpoint.parameterCount()) {
            throw new AssertionError("parameterCount " + checkpoint.parameterCount() + " but tensors hold " + elements);
        }
    }
}

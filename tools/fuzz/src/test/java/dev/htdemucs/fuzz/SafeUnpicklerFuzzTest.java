package dev.htdemucs.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.htdemucs.pytorch.checkpoint.CheckpointFormatException;
import dev.htdemucs.pytorch.checkpoint.SafeUnpickler;

import java.io.IOException;

/**
 * Fuzzes {@link SafeUnpickler} on raw pickle bytes, without a zip around them (many more executions per
 * second than {@link CheckpointFuzzTest}). Persistent ids resolve to themselves, so pickles that
 * reference storages keep going until something needs a real storage.
 */
class SafeUnpicklerFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void unpickle(byte[] pickle) throws IOException {
        SafeUnpickler unpickler = new SafeUnpickler(pickle, "data.pkl", "fuzz input", (pid, where) -> pid);
        try {
            unpickler.load();
        } catch (CheckpointFormatException rejected) {
            ReaderContract.requireOwnDiagnosis(rejected);
            return;
        }
        unpickler.globalsSeen();
        unpickler.opcodeCounts();
    }
}

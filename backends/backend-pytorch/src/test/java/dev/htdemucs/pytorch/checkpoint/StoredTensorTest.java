package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.testsupport.PickleWriter;
import dev.htdemucs.testsupport.ZipWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strided views of a storage: zero-copy when contiguous, materialised otherwise. Values are exact. */
class StoredTensorTest {
    @TempDir
    Path dir;

    /** fp16 bit patterns of 0, 1, 2, 3, 4, 5. */
    private static final short[] ZERO_TO_FIVE = {0x0000, 0x3c00, 0x4000, 0x4200, 0x4400, 0x4500};

    private StoredTensor read(Consumer<PickleWriter> tensor, boolean deflate) throws IOException {
        PickleWriter b = PickleWriter.protocol2().beginPackage().string("state").emptyDict().string("t");
        tensor.accept(b);
        ZipWriter w = ZipWriter.torchArchive(b.setitem().endPackage().toByteArray()).halfStorage("0", ZERO_TO_FIVE);
        if (deflate) {
            w.deflateStorages();
        }
        return Checkpoint.open(w.write(dir.resolve("m.th"))).tensor("t");
    }

    private StoredTensor view(long offset, long[] size, long[] stride) throws IOException {
        return read(b -> b.tensor("HalfStorage", "0", 6, offset, size, stride), false);
    }

    @Test
    void contiguousViewWithOffsetIsAZeroCopySlice() throws IOException {
        StoredTensor t = view(3, new long[] {2}, new long[] {1});
        assertTrue(t.isContiguous());
        Tensor dense = t.toTensor();
        assertTrue(dense.data().isDirect(), "expected a slice of the memory map");
        assertArrayEquals(new float[] {3, 4}, dense.toFloatArray());
    }

    @Test
    void transposedViewIsMaterialised() throws IOException {
        // storage [[0,1,2],[3,4,5]] seen as its transpose: shape [3,2], strides [1,3]
        StoredTensor t = view(0, new long[] {3, 2}, new long[] {1, 3});
        assertFalse(t.isContiguous());
        Tensor dense = t.toTensor();
        assertFalse(dense.data().isDirect());
        assertEquals(DType.FLOAT16, dense.dtype());
        assertArrayEquals(new int[] {3, 2}, dense.shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, dense.toFloatArray());
    }

    @Test
    void expandedViewRepeatsElements() throws IOException {
        // stride 0 (torch.expand): two copies of [1, 2, 3]
        StoredTensor t = view(1, new long[] {2, 3}, new long[] {0, 1});
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, t.toTensor().toFloatArray());
        // size-1 dimensions may carry any stride and still be contiguous
        StoredTensor ones = view(2, new long[] {1, 3, 1}, new long[] {99, 1, 7});
        assertTrue(ones.isContiguous());
        assertArrayEquals(new float[] {2, 3, 4}, ones.toTensor().toFloatArray());
    }

    @Test
    void scalarsAndEmptyTensors() throws IOException {
        StoredTensor scalar = view(5, new long[0], new long[0]);
        assertEquals(1, scalar.numel());
        assertArrayEquals(new float[] {5}, scalar.toTensor().toFloatArray());
        StoredTensor empty = view(0, new long[] {0, 4}, new long[] {4, 1});
        assertEquals(0, empty.numel());
        assertEquals(0, empty.toTensor().toFloatArray().length);
    }

    @Test
    void deflatedStoragesAreInflatedInsteadOfMapped() throws IOException {
        StoredTensor t = read(b -> b.tensor("HalfStorage", "0", 6, 0, new long[] {2, 3}, new long[] {3, 1}), true);
        assertFalse(t.storage().isMemoryMapped());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.toTensor().toFloatArray());
    }

    @Test
    void otherStorageTypesGiveTheirDTypes() throws IOException {
        // the 12 bytes of storage "0" read as 3 int32 values and as 1 int64 + 1 int32
        StoredTensor ints = read(b -> b.tensor("IntStorage", "0", 3, 0, new long[] {3}, new long[] {1}), false);
        assertEquals(DType.INT32, ints.dtype());
        assertArrayEquals(new long[] {0x3c000000L, 0x42004000L, 0x45004400L}, ints.toTensor().toLongArray());
        StoredTensor bools = read(b -> b.tensor("BoolStorage", "0", 12, 11, new long[] {1}, new long[] {1}), false);
        assertEquals(DType.BOOL, bools.dtype());
        assertArrayEquals(new long[] {0x45}, bools.toTensor().toLongArray());
    }
}

package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Round trips between the runtime's float storage and IR tensors of every dtype. */
class FloatTensorTest {
    @Test void everyDtypeEncodesWhatItStores() {
        float[] values = {0f, 1f, -3f, 100f};
        for (DType t : DType.values()) {
            if (t == DType.UINT8 || t == DType.BOOL) continue; // no negatives there
            float[] stored = values.clone();
            DTypeRounding.roundInPlace(t, stored);
            Tensor tensor = new FloatTensor(t, new int[] {2, 2}, stored).toTensor();
            assertEquals(t, tensor.dtype());
            assertArrayEquals(stored, FloatTensor.of(tensor).data(), t.label());
        }
        float[] flags = {0f, 2.5f, 0f, -1f};
        DTypeRounding.roundInPlace(DType.BOOL, flags);
        assertArrayEquals(new float[] {0f, 1f, 0f, 1f}, FloatTensor.of(new FloatTensor(DType.BOOL, new int[] {4}, flags).toTensor()).data());
    }

    @Test void bfloat16RoundsToNearestEven() {
        // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one, 1
        assertEquals(1f, DTypeRounding.roundBfloat16(1f + 0x1p-8f), 0f);
        assertEquals(1f + 0x1p-6f, DTypeRounding.roundBfloat16(1f + 0x1p-7f + 0x1p-8f), 0f);
        assertEquals(1f + 0x1p-7f, DTypeRounding.roundBfloat16(1f + 0x1p-7f + 0x1p-10f), 0f);
    }
}

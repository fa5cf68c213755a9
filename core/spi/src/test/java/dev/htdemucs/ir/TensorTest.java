package dev.htdemucs.ir;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TensorTest {
    @Test
    void wrapChecksByteCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.wrap(TensorType.f32(2, 2), ByteBuffer.allocate(12)));
        assertTrue(e.getMessage().contains("needs 16 bytes, got 12"));
    }

    @Test
    void fp16ConversionRoundTrips() {
        Tensor t = Tensor.ofFloats(new int[]{3}, 1f, -0.5f, 1f / 3f);
        Tensor h = t.to(DType.FLOAT16);
        assertEquals(DType.FLOAT16, h.dtype());
        assertEquals(6, h.data().remaining());
        assertArrayEquals(new float[]{1f, -0.5f, Float16.round(1f / 3f)}, h.toFloatArray());
    }

    @Test
    void mapReadsWithoutCopying(@TempDir Path dir) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(8 + 12).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(42).putFloat(1.5f).putFloat(2.5f).putFloat(-3f);
        Path f = dir.resolve("w.bin");
        Files.write(f, b.array());
        Tensor t = Tensor.map(TensorType.f32(3), f, 8);
        assertTrue(t.data().isDirect());
        assertArrayEquals(new float[]{1.5f, 2.5f, -3f}, t.toFloatArray());
        Exception e = assertThrows(java.io.IOException.class, () -> Tensor.map(TensorType.f32(4), f, 8));
        assertTrue(e.getMessage().contains("needs 16 bytes"), e.getMessage());
    }

    @Test
    void reshapeKeepsElementCount() {
        Tensor t = Tensor.ofFloats(new int[]{2, 3}, 1, 2, 3, 4, 5, 6);
        assertArrayEquals(new int[]{3, 2}, t.reshape(3, 2).shape());
        assertThrows(IllegalArgumentException.class, () -> t.reshape(4, 2));
    }
}

package dev.htdemucs.coreml.blob;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Byte layout of weight.bin: header, 64-byte alignment, metadata records, fp16 conversion; the golden file reads. */
class WeightBlobTest {

    private static ByteBuffer bytes(Path file) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void layoutOfTwoBlobs(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weight.bin");
        Tensor a = Tensor.ofFloats(new int[]{3}, 1f, -2f, 0.5f);          // 12 bytes as fp32
        Tensor b = Tensor.ofFloats(new int[]{2, 5}, 0, 1, 2, 3, 4, 5, 6, 7, 8, 65504f); // 20 bytes as fp16
        long offA, offB;
        try (WeightBlobWriter w = new WeightBlobWriter(file)) {
            offA = w.write(a, DType.FLOAT32);
            offB = w.write(b, DType.FLOAT16);
            assertEquals(2, w.count());
            assertEquals(32, w.dataBytes());
        }
        ByteBuffer f = bytes(file);
        // header: count, version 2, zero reserved words
        assertEquals(2, f.getInt(0));
        assertEquals(2, f.getInt(4));
        for (int i = 8; i < 64; i++) assertEquals(0, f.get(i), "header reserved byte " + i);
        // first record right after the header, data right after the record
        assertEquals(64, offA);
        assertEquals(0xDEADBEEF, f.getInt(64));
        assertEquals(2, f.getInt(68), "fp32 dtype code");
        assertEquals(12, f.getLong(72));
        assertEquals(128, f.getLong(80));
        assertEquals(0, f.getLong(88), "padding bits");
        assertEquals(-2f, f.getFloat(128 + 4));
        // second record at the next 64-byte boundary after 128 + 12
        assertEquals(192, offB);
        assertEquals(1, f.getInt(192 + 4), "fp16 dtype code");
        assertEquals(20, f.getLong(192 + 8));
        assertEquals(256, f.getLong(192 + 16));
        assertEquals(Float16.fromFloat(65504f), f.getShort(256 + 18));
        assertEquals(256 + 20, Files.size(file), "no trailing padding after the last blob");
        for (int i = 140; i < 192; i++) assertEquals(0, f.get(i), "alignment padding byte " + i);
    }

    @Test
    void fp16ConversionRoundsToNearestEven(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weight.bin");
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even (1.0); 1 + 3*2^-11 ties up to 1 + 2^-9
        float[] v = new float[20];
        v[0] = 1f + 0x1p-11f;
        v[1] = 1f + 3 * 0x1p-11f;
        v[2] = 70000f;      // overflows to inf
        v[3] = 1e-8f;       // underflows to 0
        for (int i = 4; i < v.length; i++) v[i] = i * 0.1f;
        long off;
        try (WeightBlobWriter w = new WeightBlobWriter(file)) {
            off = w.write(Tensor.ofFloats(new int[]{20}, v), DType.FLOAT16);
        }
        Tensor back = WeightBlobFile.open(file).tensor(off, TensorType.of(DType.FLOAT16, 20));
        float[] r = back.toFloatArray();
        assertEquals(1f, r[0]);
        assertEquals(1f + 0x1p-9f, r[1]);
        assertEquals(Float.POSITIVE_INFINITY, r[2]);
        assertEquals(0f, r[3]);
        for (int i = 4; i < v.length; i++) assertEquals(Float16.round(v[i]), r[i]);
    }

    @Test
    void readerRejectsBadRecords(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("weight.bin");
        long off;
        try (WeightBlobWriter w = new WeightBlobWriter(file)) {
            off = w.write(Tensor.ofFloats(new int[]{16}, new float[16]), DType.FLOAT32);
        }
        WeightBlobFile blobs = WeightBlobFile.open(file);
        assertEquals(List.of(new WeightBlobFile.Record(64, 2, 64, 128, 0)), blobs.records());
        assertThrows(BlobFormatException.class, () -> blobs.record(off + 8), "unaligned offset");
        assertThrows(BlobFormatException.class, () -> blobs.record(128), "no sentinel at the data");
        BlobFormatException wrongType = assertThrows(BlobFormatException.class, () -> blobs.tensor(off, TensorType.of(DType.FLOAT16, 16)));
        assertTrue(wrongType.getMessage().contains("float32"), wrongType.getMessage());
        assertThrows(BlobFormatException.class, () -> blobs.tensor(off, TensorType.f32(17)), "size mismatch");
        // corrupt the sentinel: the record is refused with the offset in the message
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{0, 0, 0, 0}), 64);
        }
        BlobFormatException e = assertThrows(BlobFormatException.class, () -> WeightBlobFile.open(file).record(64));
        assertTrue(e.getMessage().contains("offset 64") && e.getMessage().contains("sentinel"), e.getMessage());
    }

    /** coremltools' own weight.bin (tiny6, fp16): header, record chain, alignment, sizes all read. */
    @Test
    void readsTheGoldenCoremltoolsWeightFile() throws IOException {
        Path file = Golden.tiny6().file("coremltools_fp16.mlpackage/Data/com.apple.CoreML/weights/weight.bin");
        WeightBlobFile golden = WeightBlobFile.open(file.toAbsolutePath());
        assertEquals(2, golden.version());
        List<WeightBlobFile.Record> records = golden.records();
        assertEquals(257, golden.count());
        assertEquals(257, records.size());
        long total = 0;
        for (WeightBlobFile.Record r : records) {
            assertEquals(0, r.metadataOffset() % 64);
            assertEquals(0, r.dataOffset() % 64);
            assertEquals(r.metadataOffset() + 64, r.dataOffset());
            assertEquals(1, r.dtypeCode(), "fp16 blobs only");
            assertEquals(0, r.sizeInBytes() % 2);
            total += r.sizeInBytes();
        }
        WeightBlobFile.Record last = records.get(records.size() - 1);
        assertEquals(golden.size(), last.dataOffset() + last.sizeInBytes(), "file ends with the last blob");
        // the first blob: the first time-encoder conv weight [8, 2, 8] in fp16
        WeightBlobFile.Record first = records.get(0);
        assertEquals(new WeightBlobFile.Record(64, 1, 256, 128, 0), first);
        float[] w = golden.tensor(64, TensorType.of(DType.FLOAT16, 8, 2, 8)).toFloatArray();
        assertArrayEquals(new float[]{Float16.toFloat((short) 0x2c60), Float16.toFloat((short) 0x2db3)}, new float[]{w[0], w[1]});
        System.out.println("golden weight.bin: " + records.size() + " blobs, " + total + " data bytes, " + golden.size() + " bytes");
    }
}

package dev.htdemucs.dsp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link WavReader}, {@link WavWriter} and {@link Audio}. */
class WavTest {

    /**
     * 16-bit round trip: the writer scales by 2^15 (as torchaudio does for demucs' stems) and the reader by
     * 1/2^15, so a sample in [-1, 1) reads back within one LSB of itself (half an LSB from rounding), and
     * samples beyond clamp to -1 and 32767/32768.
     */
    static final double PCM_16_LSB = 1.0 / 32768;
    /** Same for 24 bits: 2^23 and 1/2^23. */
    static final double PCM_24_LSB = 1.0 / 8388608;

    @TempDir
    Path dir;

    private static float[][] noise(int channels, int length, double amplitude, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] samples = new float[channels][length];
        for (float[] channel : samples) {
            for (int i = 0; i < length; i++) channel[i] = (float) ((random.nextDouble() * 2 - 1) * amplitude);
        }
        return samples;
    }

    @Test
    void float32RoundTripIsBitExact() throws Exception {
        float[][] samples = noise(2, 10_001, 3.0, 1); // beyond [-1, 1]: float is not clipped
        samples[0][0] = -0.0f;
        samples[1][0] = Float.MIN_VALUE;
        samples[0][1] = Float.MAX_VALUE;
        Path file = dir.resolve("float.wav");

        WavWriter.write(file, new Audio(48_000, samples), WavEncoding.FLOAT_32);
        Audio back = WavReader.read(file);

        assertEquals(48_000, back.sampleRate());
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < samples[c].length; i++) {
                assertEquals(Float.floatToRawIntBits(samples[c][i]), Float.floatToRawIntBits(back.samples()[c][i]),
                        "channel " + c + " sample " + i);
            }
        }
    }

    /** Worst |read(write(x)) − x| over the samples with |x| < 1, in units of {@code lsb}. */
    private static double worstInRangeErrorInLsb(float[][] written, Audio back, double lsb) {
        double worst = 0;
        for (int c = 0; c < written.length; c++) {
            for (int i = 0; i < written[c].length; i++) {
                if (Math.abs(written[c][i]) < 1) {
                    worst = Math.max(worst, Math.abs(back.samples()[c][i] - (double) written[c][i]) / lsb);
                }
            }
        }
        return worst;
    }

    @Test
    void pcm16RoundTripIsWithinOneLsb() throws Exception {
        float[][] samples = noise(2, 20_000, 1.2, 2); // includes samples beyond full scale
        samples[0][0] = 1f;
        samples[0][1] = -1f;
        samples[0][2] = 2.5f / 32768; // a rounding tie: to even, 2
        samples[0][3] = 32767.5f / 32768; // rounds to 32768, clamped to 32767
        samples[0][4] = Float.NaN;
        samples[0][5] = Float.NEGATIVE_INFINITY;
        Path file = dir.resolve("pcm16.wav");

        WavWriter.write(file, new Audio(44_100, samples), WavEncoding.PCM_16);
        Audio back = WavReader.read(file);

        assertEquals(44 + 2L * 2 * 20_000, Files.size(file), "44-byte header, 2 bytes per sample");
        double worst = worstInRangeErrorInLsb(samples, back, PCM_16_LSB);
        assertTrue(worst <= 1, "16-bit within 1 LSB for |x| < 1; worst " + worst + " LSB");
        assertTrue(worst <= 0.5, "rounding to nearest: within half an LSB; worst " + worst + " LSB");
        assertEquals(32767 / 32768f, back.samples()[0][0], "+1 clamps to 32767");
        assertEquals(-1f, back.samples()[0][1], "-1 is -32768, exactly representable");
        assertEquals(2 / 32768f, back.samples()[0][2], "ties round to even");
        assertEquals(32767 / 32768f, back.samples()[0][3]);
        assertEquals(0f, back.samples()[0][4], "NaN writes 0");
        assertEquals(-1f, back.samples()[0][5], "-infinity clamps to -32768");
        for (int c = 0; c < 2; c++) {
            for (int i = 6; i < samples[c].length; i++) {
                float x = samples[c][i];
                if (x >= 1) assertEquals(32767 / 32768f, back.samples()[c][i], "clamped at " + i);
                if (x <= -1) assertEquals(-1f, back.samples()[c][i], "clamped at " + i);
            }
        }
    }

    @Test
    void pcm24RoundTripIsWithinOneLsb() throws Exception {
        float[][] samples = noise(1, 20_000, 1.1, 3);
        samples[0][0] = 1f;
        samples[0][1] = -1f;
        Path file = dir.resolve("pcm24.wav");

        WavWriter.write(file, new Audio(44_100, samples), WavEncoding.PCM_24);
        Audio back = WavReader.read(file);

        double worst = worstInRangeErrorInLsb(samples, back, PCM_24_LSB);
        assertTrue(worst <= 1, "24-bit within 1 LSB for |x| < 1; worst " + worst + " LSB");
        assertTrue(worst <= 0.5, "rounding to nearest: within half an LSB; worst " + worst + " LSB");
        assertEquals(8388607 / 8388608f, back.samples()[0][0], "+1 clamps to 2^23 - 1");
        assertEquals(-1f, back.samples()[0][1], "-1 is -2^23");
    }

    @Test
    void writingReplacesAtomicallyAndLeavesNoTemporaryFile() throws Exception {
        Path file = dir.resolve("out.wav");
        WavWriter.write(file, new Audio(8000, noise(1, 100, 1, 4)), WavEncoding.PCM_16);
        WavWriter.write(file, new Audio(8000, noise(2, 50, 1, 5)), WavEncoding.PCM_24);

        assertEquals(2, WavReader.read(file).channels(), "second write replaced the first");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "only the destination remains");
        }

        // A destination that cannot be replaced (a non-empty directory) fails and cleans up its temporary file.
        Path blocked = Files.createDirectory(dir.resolve("blocked.wav"));
        Files.writeString(blocked.resolve("keep"), "x");
        assertThrows(IOException.class,
                () -> WavWriter.write(blocked, new Audio(8000, noise(1, 10, 1, 6)), WavEncoding.PCM_16));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left next to the destination");
        }
    }

    // ------------------------------------------------------------------ reading formats written by others

    /** Little-endian RIFF/WAVE bytes, chunk by chunk. */
    private static final class WavBytes {
        private final ByteArrayOutputStream chunks = new ByteArrayOutputStream();

        WavBytes chunk(String id, byte[] body) {
            chunks.writeBytes(id.getBytes(StandardCharsets.US_ASCII));
            chunks.writeBytes(le(4).putInt(body.length).array());
            chunks.writeBytes(body);
            if (body.length % 2 == 1) chunks.write(0); // RIFF pad byte
            return this;
        }

        WavBytes fmt(int tag, int channels, int rate, int bits) {
            int align = channels * bits / 8;
            return chunk("fmt ", le(16).putShort((short) tag).putShort((short) channels).putInt(rate)
                    .putInt(rate * align).putShort((short) align).putShort((short) bits).array());
        }

        WavBytes extensible(int subTag, int channels, int rate, int bits) {
            int align = channels * bits / 8;
            ByteBuffer b = le(40).putShort((short) 0xFFFE).putShort((short) channels).putInt(rate)
                    .putInt(rate * align).putShort((short) align).putShort((short) bits)
                    .putShort((short) 22).putShort((short) bits).putInt(3)
                    .putShort((short) subTag)
                    .put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
            return chunk("fmt ", b.array());
        }

        byte[] bytes() {
            byte[] body = chunks.toByteArray();
            ByteBuffer b = le(12 + body.length);
            b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(4 + body.length)
                    .put("WAVE".getBytes(StandardCharsets.US_ASCII)).put(body);
            return b.array();
        }
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Audio read(byte[] bytes) throws Exception {
        Path file = Files.write(dir.resolve("in.wav"), bytes);
        return WavReader.read(file);
    }

    private String readError(byte[] bytes) {
        Path file;
        try {
            file = Files.write(dir.resolve("bad.wav"), bytes);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return assertThrows(AudioFormatException.class, () -> WavReader.read(file)).getMessage();
    }

    @Test
    void readsChunksInAnyOrderSkippingUnknownAndOddSizedOnes() throws Exception {
        byte[] data = le(8).putShort((short) 16384).putShort((short) -32768).putShort((short) 1).putShort((short) 32767).array();
        byte[] bytes = new WavBytes()
                .chunk("LIST", new byte[] {'I', 'N', 'F', 'O', 'x'})   // odd size: followed by a pad byte
                .chunk("data", data)                                     // data before fmt
                .chunk("junk", new byte[3])
                .fmt(1, 2, 22_050, 16)
                .bytes();

        Audio audio = read(bytes);

        assertEquals(22_050, audio.sampleRate());
        assertArrayEquals(new float[] {0.5f, 1 / 32768f}, audio.samples()[0]);
        assertArrayEquals(new float[] {-1f, 32767 / 32768f}, audio.samples()[1]);
    }

    @Test
    void readsEveryEncodingWithItsScale() throws Exception {
        assertArrayEquals(new float[] {-1f, 0f, 127 / 128f}, read(new WavBytes().fmt(1, 1, 8000, 8)
                .chunk("data", new byte[] {0, (byte) 128, (byte) 255}).bytes()).samples()[0], "8-bit unsigned");
        assertArrayEquals(new float[] {-1f, 0.5f}, read(new WavBytes().fmt(1, 1, 8000, 24)
                .chunk("data", new byte[] {0, 0, (byte) 0x80, 0, 0, 0x40}).bytes()).samples()[0], "24-bit");
        assertArrayEquals(new float[] {-1f, 0.25f}, read(new WavBytes().fmt(1, 1, 8000, 32)
                .chunk("data", le(8).putInt(Integer.MIN_VALUE).putInt(1 << 29).array()).bytes()).samples()[0], "32-bit");
        assertArrayEquals(new float[] {1.5f, -2f}, read(new WavBytes().fmt(3, 1, 8000, 64)
                .chunk("data", le(16).putDouble(1.5).putDouble(-2).array()).bytes()).samples()[0], "float64");
        assertArrayEquals(new float[] {0.75f}, read(new WavBytes().extensible(3, 1, 8000, 32)
                .chunk("data", le(4).putFloat(0.75f).array()).bytes()).samples()[0], "extensible float32");
        assertArrayEquals(new float[] {0.5f}, read(new WavBytes().extensible(1, 1, 8000, 24)
                .chunk("data", new byte[] {0, 0, 0x40}).bytes()).samples()[0], "extensible 24-bit PCM");
    }

    @Test
    void badFilesNameTheirProblem() {
        byte[] good = new WavBytes().fmt(1, 2, 44_100, 16).chunk("data", new byte[400]).bytes();

        assertTrue(readError(Arrays.copyOf(good, good.length - 10)).startsWith("truncated file: chunk 'data'"));
        assertTrue(readError(Arrays.copyOf(good, 8)).startsWith("truncated file: 8 bytes"));
        assertTrue(readError("ID3\u0004 this is an mp3".getBytes(StandardCharsets.US_ASCII))
                .startsWith("not a RIFF/WAVE file"));
        assertTrue(readError(new WavBytes().fmt(0x55, 2, 44_100, 16).chunk("data", new byte[4]).bytes())
                .contains("unsupported WAV format: MPEG Layer 3"));
        assertTrue(readError(new WavBytes().fmt(1, 1, 44_100, 12).chunk("data", new byte[4]).bytes())
                .contains("unsupported WAV format: 12-bit integer PCM"));
        assertEquals("invalid WAV: 0 channels",
                readError(new WavBytes().fmt(1, 0, 44_100, 16).chunk("data", new byte[4]).bytes()));
        assertTrue(readError(new WavBytes().fmt(1, 2, 44_100, 16).chunk("data", new byte[0]).bytes())
                .startsWith("no samples"));
        assertEquals("data chunk missing", readError(new WavBytes().fmt(1, 2, 44_100, 16).bytes()));
        assertEquals("fmt chunk missing", readError(new WavBytes().chunk("data", new byte[4]).bytes()));
    }

    // ------------------------------------------------------------------------------------- Audio

    @Test
    void toStereoDuplicatesMonoKeepsStereoAndRejectsMore() throws Exception {
        float[][] mono = noise(1, 10, 1, 7);
        Audio stereo = new Audio(44_100, mono).toStereo();
        assertEquals(2, stereo.channels());
        assertArrayEquals(mono[0], stereo.samples()[0]);
        assertArrayEquals(mono[0], stereo.samples()[1]);

        Audio two = new Audio(44_100, noise(2, 10, 1, 8));
        assertSame(two, two.toStereo());

        Path file = dir.resolve("three.wav");
        WavWriter.write(file, new Audio(44_100, noise(3, 10, 1, 9)), WavEncoding.PCM_16);
        Audio three = WavReader.read(file);
        assertEquals(3, three.channels(), "any channel count reads");
        AudioFormatException e = assertThrows(AudioFormatException.class, three::toStereo);
        assertTrue(e.getMessage().startsWith("unsupported channel count 3"), e.getMessage());
    }

    @Test
    void planarLayoutMatchesTheSpectrogramKernels() {
        Audio audio = new Audio(8000, new float[][] {{1, 2, 3}, {4, 5, 6}});
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, audio.planar());
        Audio back = Audio.fromPlanar(8000, 2, audio.planar());
        assertArrayEquals(audio.samples()[1], back.samples()[1]);
    }
}

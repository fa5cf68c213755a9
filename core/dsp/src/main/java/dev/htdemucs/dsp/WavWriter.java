package dev.htdemucs.dsp;

import dev.htdemucs.spi.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes RIFF/WAVE files in a {@link WavEncoding}. Integer encodings scale by {@code 2^(bits−1)}, round
 * to the nearest integer (ties to even) and clamp to {@code [−2^(bits−1), 2^(bits−1) − 1]} (NaN becomes 0):
 * the inverse of {@link WavReader}'s {@code 1 / 2^(bits−1)}, so a sample in [-1, 1) reads back within
 * half an LSB, and full scale −1 is exact. (demucs saves WAV stems through torchaudio, whose sox backend
 * also scales by {@code 2^15} and clamps; demucs' own {@code audio.i16_pcm}, used for mp3 only, scales by
 * {@code 2^15 − 1}.) float32 is written bit for bit. Float files carry the {@code fact} chunk the WAV
 * specification asks for non-PCM data.
 *
 * <p>The file is written next to its destination under a temporary name and then moved into place
 * atomically, so the destination name never holds a half-written file; an existing file is replaced.
 */
public final class WavWriter {

    private static final int BLOCK_FRAMES = 8192;

    private WavWriter() {}

    public static void write(Path file, Audio audio, WavEncoding encoding) throws IOException {
        int channels = audio.channels();
        int blockAlign = channels * encoding.bytesPerSample();
        if (channels > 0xFFFF) throw new IllegalArgumentException("WAV holds at most 65535 channels, got " + channels);
        boolean isFloat = encoding == WavEncoding.FLOAT_32;
        int headerBytes = isFloat ? 12 + 8 + 18 + 8 + 4 + 8 : 12 + 8 + 16 + 8;
        long dataBytes = (long) audio.length() * blockAlign;
        long riffSize = headerBytes - 8 + dataBytes + (dataBytes & 1);
        if (riffSize > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(audio.length() + " frames of " + blockAlign
                    + " bytes exceed the 4 GiB a RIFF/WAVE file can hold");
        }

        long byteRate = (long) audio.sampleRate() * blockAlign;
        if (byteRate > 0xFFFFFFFFL) {
            throw new IllegalArgumentException(audio.sampleRate() + " Hz × " + blockAlign
                    + " bytes per frame exceeds the WAV byte-rate field");
        }

        AtomicFiles.write(file, temporary -> {
            try (FileChannel out = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer header = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
                putFourCc(header, "RIFF").putInt((int) riffSize);
                putFourCc(header, "WAVE");
                putFourCc(header, "fmt ").putInt(isFloat ? 18 : 16);
                header.putShort((short) encoding.formatTag())
                        .putShort((short) channels)
                        .putInt(audio.sampleRate())
                        .putInt((int) byteRate)
                        .putShort((short) blockAlign)
                        .putShort((short) encoding.bitsPerSample());
                if (isFloat) {
                    header.putShort((short) 0);
                    putFourCc(header, "fact").putInt(4).putInt(audio.length());
                }
                putFourCc(header, "data").putInt((int) dataBytes);
                writeFully(out, header.flip());
                writeSamples(out, audio, encoding);
                if ((dataBytes & 1) != 0) writeFully(out, ByteBuffer.allocate(1));
            }
        });
    }

    private static void writeSamples(FileChannel out, Audio audio, WavEncoding encoding) throws IOException {
        float[][] samples = audio.samples();
        int channels = samples.length;
        int length = audio.length();
        ByteBuffer block = ByteBuffer.allocate(BLOCK_FRAMES * channels * encoding.bytesPerSample())
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int f0 = 0; f0 < length; f0 += BLOCK_FRAMES) {
            int f1 = Math.min(length, f0 + BLOCK_FRAMES);
            block.clear();
            for (int f = f0; f < f1; f++) {
                for (int c = 0; c < channels; c++) {
                    float x = samples[c][f];
                    switch (encoding) {
                        case PCM_16 -> block.putShort((short) quantize(x, 16));
                        case PCM_24 -> {
                            int v = quantize(x, 24);
                            block.put((byte) v).put((byte) (v >> 8)).put((byte) (v >> 16));
                        }
                        case FLOAT_32 -> block.putInt(Float.floatToRawIntBits(x));
                    }
                }
            }
            writeFully(out, block.flip());
        }
    }

    /** {@code clamp(round(x · 2^(bits−1)), −2^(bits−1), 2^(bits−1) − 1)}, ties to even; NaN gives 0. */
    static int quantize(float x, int bits) {
        if (Float.isNaN(x)) return 0;
        double scale = 1L << (bits - 1);
        // Exact in double for any float x; clamping after rounding also tames ±infinity.
        double rounded = Math.rint(x * scale);
        return (int) Math.max(-scale, Math.min(scale - 1, rounded));
    }

    private static ByteBuffer putFourCc(ByteBuffer buffer, String id) {
        return buffer.put(id.getBytes(StandardCharsets.US_ASCII));
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) out.write(buffer);
    }
}

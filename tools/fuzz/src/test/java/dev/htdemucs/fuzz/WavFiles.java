package dev.htdemucs.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Small RIFF/WAVE files of every encoding the reader accepts, and headers that lie about their sizes. */
final class WavFiles {
    static final int PCM = 1;
    static final int IEEE_FLOAT = 3;
    static final int EXTENSIBLE = 0xFFFE;

    private WavFiles() {
    }

    /** A {@code fmt } chunk body (16 bytes, or 40 for WAVE_FORMAT_EXTENSIBLE carrying {@code subFormat}). */
    static byte[] fmt(int tag, int channels, int sampleRate, int bits, int subFormat) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int blockAlign = channels * (bits / 8);
        le(b, tag, 2);
        le(b, channels, 2);
        le(b, sampleRate, 4);
        le(b, (long) sampleRate * blockAlign, 4);
        le(b, blockAlign, 2);
        le(b, bits, 2);
        if (tag == EXTENSIBLE) {
            le(b, 22, 2); // cbSize
            le(b, bits, 2); // valid bits
            le(b, channels == 2 ? 0x3 : 0x4, 4); // channel mask
            le(b, subFormat, 2);
            b.writeBytes(new byte[] {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00,
                0x38, (byte) 0x9B, 0x71});
        }
        return b.toByteArray();
    }

    /** {@code frames} frames of a deterministic ramp in the given encoding. */
    static byte[] samples(int channels, int bits, boolean isFloat, int frames) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int f = 0; f < frames; f++) {
            for (int c = 0; c < channels; c++) {
                double x = Math.sin(0.3 * f + c) * 0.5;
                if (isFloat && bits == 32) {
                    le(b, Float.floatToIntBits((float) x), 4);
                } else if (isFloat) {
                    le(b, Double.doubleToLongBits(x), 8);
                } else if (bits == 8) {
                    b.write((int) Math.round(x * 127) + 128);
                } else {
                    le(b, Math.round(x * ((1L << (bits - 1)) - 1)), bits / 8);
                }
            }
        }
        return b.toByteArray();
    }

    /** A WAV file of the given chunks, in order: each is a four-character id and a body (padded if odd). */
    static byte[] riff(Object... idsAndBodies) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WAVE".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < idsAndBodies.length; i += 2) {
            byte[] chunk = (byte[]) idsAndBodies[i + 1];
            body.writeBytes(((String) idsAndBodies[i]).getBytes(StandardCharsets.US_ASCII));
            le(body, chunk.length, 4);
            body.writeBytes(chunk);
            if (chunk.length % 2 == 1) {
                body.write(0);
            }
        }
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        le(file, body.size(), 4);
        file.writeBytes(body.toByteArray());
        return file.toByteArray();
    }

    /** A plain WAV: fmt then data. */
    static byte[] simple(int tag, int channels, int bits, int frames) {
        boolean isFloat = tag == IEEE_FLOAT;
        return riff("fmt ", fmt(tag, channels, 44100, bits, 0), "data", samples(channels, bits, isFloat, frames));
    }

    static void le(ByteArrayOutputStream out, long value, int byteCount) {
        for (int i = 0; i < byteCount; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }
}

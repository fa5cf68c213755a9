package dev.htdemucs.dsp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads RIFF/WAVE files: integer PCM of 8, 16, 24 or 32 bits and IEEE float of 32 or 64 bits, plain
 * ({@code WAVE_FORMAT_PCM}, {@code WAVE_FORMAT_IEEE_FLOAT}) or as {@code WAVE_FORMAT_EXTENSIBLE} with
 * those sub-formats; chunks in any order, unknown chunks skipped, odd-sized chunks followed by their
 * pad byte.
 *
 * <p>Integers are scaled by {@code 1 / 2^(bits−1)} (16-bit: {@code s / 32768}), the convention of
 * ffmpeg, libsndfile and torchaudio, so a file decodes to the floats demucs would see; 8-bit PCM is
 * unsigned with its zero at 128. Floats are passed through unchanged. The file is streamed, never
 * loaded whole.
 */
public final class WavReader {

    private static final int BLOCK_BYTES = 1 << 16;
    /** Bytes 2–15 of the KSDATAFORMAT_SUBTYPE_* GUIDs; bytes 0–1 hold the plain format tag. */
    private static final byte[] SUBFORMAT_GUID_TAIL = {
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00, 0x38, (byte) 0x9B, 0x71};

    private WavReader() {}

    private record Format(int tag, int channels, int sampleRate, int blockAlign, int bitsPerSample) {}

    public static Audio read(Path file) throws IOException, AudioFormatException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel);
        }
    }

    private static Audio read(FileChannel channel) throws IOException, AudioFormatException {
        long fileSize = channel.size();
        if (fileSize < 12) {
            throw new AudioFormatException("truncated file: " + fileSize
                    + " bytes, shorter than the 12-byte RIFF/WAVE header");
        }
        ByteBuffer header = readFully(channel, 0, 12);
        String riff = fourCc(header, 0);
        String wave = fourCc(header, 8);
        if (riff.equals("RF64") || riff.equals("BW64")) {
            throw new AudioFormatException("unsupported WAV format: " + riff + " (files over 4 GiB) is not supported");
        }
        if (riff.equals("RIFX")) {
            throw new AudioFormatException("unsupported WAV format: big-endian RIFX is not supported");
        }
        if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
            throw new AudioFormatException("not a RIFF/WAVE file: expected 'RIFF' and 'WAVE' at bytes 0 and 8, found '"
                    + riff + "' and '" + wave + "'");
        }

        Format format = null;
        long dataStart = -1;
        long dataSize = 0;
        long position = 12;
        // Scan until both chunks are found; whatever follows them is never read.
        while ((format == null || dataStart < 0) && position + 8 <= fileSize) {
            ByteBuffer chunkHeader = readFully(channel, position, 8);
            String id = fourCc(chunkHeader, 0);
            long size = Integer.toUnsignedLong(chunkHeader.getInt(4));
            long body = position + 8;
            long available = fileSize - body;
            if (size > available) {
                throw new AudioFormatException("truncated file: chunk '" + id + "' at byte " + position
                        + " declares " + size + " bytes but only " + available + " follow");
            }
            if (id.equals("fmt ") && format == null) {
                format = parseFormat(readFully(channel, body, (int) Math.min(size, 64)), size, position);
            } else if (id.equals("data") && dataStart < 0) {
                dataStart = body;
                dataSize = size;
            }
            position = body + size + (size & 1);
        }
        if (format == null) throw new AudioFormatException("fmt chunk missing");
        if (dataStart < 0) throw new AudioFormatException("data chunk missing");

        long frames = dataSize / format.blockAlign();
        if (frames == 0) throw new AudioFormatException("no samples: the data chunk holds no complete sample frame");
        if (frames > Integer.MAX_VALUE - 8) {
            throw new AudioFormatException("unsupported WAV format: " + frames + " sample frames exceed the "
                    + (Integer.MAX_VALUE - 8) + " one channel array can hold");
        }
        return new Audio(format.sampleRate(), decode(channel, dataStart, (int) frames, format));
    }

    private static Format parseFormat(ByteBuffer fmt, long size, long position) throws AudioFormatException {
        if (size < 16) {
            throw new AudioFormatException("invalid WAV: fmt chunk at byte " + position + " has " + size
                    + " bytes, needs at least 16");
        }
        int tag = Short.toUnsignedInt(fmt.getShort(0));
        int channels = Short.toUnsignedInt(fmt.getShort(2));
        long sampleRate = Integer.toUnsignedLong(fmt.getInt(4));
        int blockAlign = Short.toUnsignedInt(fmt.getShort(12));
        int bits = Short.toUnsignedInt(fmt.getShort(14));
        if (tag == WavEncoding.FORMAT_EXTENSIBLE) {
            if (size < 40) {
                throw new AudioFormatException("invalid WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk has " + size
                        + " bytes, needs 40");
            }
            int subTag = Short.toUnsignedInt(fmt.getShort(24));
            for (int i = 0; i < SUBFORMAT_GUID_TAIL.length; i++) {
                if (fmt.get(26 + i) != SUBFORMAT_GUID_TAIL[i]) {
                    throw new AudioFormatException("unsupported WAV format: WAVE_FORMAT_EXTENSIBLE with a sub-format GUID"
                            + " that is not a standard KSDATAFORMAT_SUBTYPE");
                }
            }
            tag = subTag;
        }
        if (channels == 0) throw new AudioFormatException("invalid WAV: 0 channels");
        if (sampleRate == 0 || sampleRate > Integer.MAX_VALUE) {
            throw new AudioFormatException("invalid WAV: sample rate " + sampleRate);
        }
        boolean supported = (tag == WavEncoding.FORMAT_PCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32))
                || (tag == WavEncoding.FORMAT_IEEE_FLOAT && (bits == 32 || bits == 64));
        if (!supported) {
            throw new AudioFormatException("unsupported WAV format: " + describe(tag, bits)
                    + "; supported are 8/16/24/32-bit integer PCM and 32/64-bit float");
        }
        if (blockAlign != channels * (bits / 8)) {
            throw new AudioFormatException("invalid WAV: block align " + blockAlign + " does not match "
                    + channels + " channels of " + bits + " bits");
        }
        return new Format(tag, channels, (int) sampleRate, blockAlign, bits);
    }

    private static String describe(int tag, int bits) {
        return switch (tag) {
            case WavEncoding.FORMAT_PCM -> bits + "-bit integer PCM";
            case WavEncoding.FORMAT_IEEE_FLOAT -> bits + "-bit float";
            case 0x0002 -> "ADPCM (format tag 0x0002)";
            case 0x0006 -> "A-law (format tag 0x0006)";
            case 0x0007 -> "mu-law (format tag 0x0007)";
            case 0x0055 -> "MPEG Layer 3 (format tag 0x0055)";
            default -> String.format("format tag 0x%04X", tag);
        };
    }

    private static float[][] decode(FileChannel channel, long dataStart, int frames, Format format)
            throws IOException, AudioFormatException {
        int channels = format.channels();
        int blockAlign = format.blockAlign();
        float[][] samples = new float[channels][frames];
        int framesPerBlock = Math.max(1, BLOCK_BYTES / blockAlign);
        ByteBuffer buffer = ByteBuffer.allocate(framesPerBlock * blockAlign).order(ByteOrder.LITTLE_ENDIAN);
        int frame = 0;
        long position = dataStart;
        while (frame < frames) {
            int count = Math.min(framesPerBlock, frames - frame);
            buffer.clear().limit(count * blockAlign);
            readInto(channel, position, buffer);
            position += (long) count * blockAlign;
            decodeBlock(buffer, format, samples, frame, count);
            frame += count;
        }
        return samples;
    }

    private static void decodeBlock(ByteBuffer b, Format format, float[][] samples, int frame, int count) {
        int channels = format.channels();
        int bytes = format.bitsPerSample() / 8;
        boolean isFloat = format.tag() == WavEncoding.FORMAT_IEEE_FLOAT;
        int i = 0;
        for (int f = frame; f < frame + count; f++) {
            for (int c = 0; c < channels; c++, i += bytes) {
                samples[c][f] = switch (bytes) {
                    case 1 -> ((b.get(i) & 0xFF) - 128) / 128f;
                    case 2 -> b.getShort(i) / 32768f;
                    case 3 -> ((b.get(i) & 0xFF) | (b.get(i + 1) & 0xFF) << 8 | b.get(i + 2) << 16) / 8388608f;
                    case 4 -> isFloat ? b.getFloat(i) : (float) (b.getInt(i) / 2147483648.0);
                    default -> (float) b.getDouble(i);
                };
            }
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length)
            throws IOException, AudioFormatException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        readInto(channel, position, buffer);
        return buffer;
    }

    private static void readInto(FileChannel channel, long position, ByteBuffer buffer)
            throws IOException, AudioFormatException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new AudioFormatException("truncated file: ended at byte " + at + " while "
                        + buffer.remaining() + " more bytes were expected");
            }
            at += n;
        }
        buffer.flip();
    }

    private static String fourCc(ByteBuffer buffer, int offset) {
        byte[] id = new byte[4];
        for (int i = 0; i < 4; i++) {
            byte c = buffer.get(offset + i);
            id[i] = c >= 0x20 && c < 0x7F ? c : (byte) '?';
        }
        return new String(id, StandardCharsets.US_ASCII);
    }
}

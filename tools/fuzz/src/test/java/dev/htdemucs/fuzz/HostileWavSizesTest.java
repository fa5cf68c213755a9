package dev.htdemucs.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.dsp.WavReader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** WAV headers that declare more than the file holds: refused (512 MiB test heap), never allocated. */
class HostileWavSizesTest {
    private static final Duration QUICKLY = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void dataChunkClaimingFourGigabytes() throws IOException {
        byte[] wav = WavFiles.simple(WavFiles.PCM, 2, 16, 4);
        int data = indexOf(wav, "data");
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putInt(data + 4, 0xFFFFFFFF);
        assertRefused(wav, "declares 4294967295 bytes");
    }

    @Test
    void fmtChunkClaimingFourGigabytes() throws IOException {
        byte[] wav = WavFiles.simple(WavFiles.PCM, 2, 16, 4);
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putInt(indexOf(wav, "fmt ") + 4, 0xFFFFFFF0);
        assertRefused(wav, "'fmt '");
    }

    @Test
    void riffSizeIsNotTrusted() throws Exception {
        byte[] wav = WavFiles.simple(WavFiles.PCM, 1, 16, 5);
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0xFFFFFFFF);
        Audio audio = WavReader.read(Files.write(tmp.resolve("riff.wav"), wav));
        assertEquals(5, audio.length());
    }

    @Test
    void maximumChannelCountWithOneFrame() throws Exception {
        // 65535 channels of 8 bits: the largest block align a fmt chunk can state
        byte[] wav = WavFiles.riff("fmt ", WavFiles.fmt(WavFiles.PCM, 65535, 8000, 8, 0), "data", new byte[65535]);
        Audio audio = WavReader.read(Files.write(tmp.resolve("wide.wav"), wav));
        assertEquals(65535, audio.channels());
        assertEquals(1, audio.length());
    }

    @Test
    void aQuarterMillionEmptyChunksBeforeTheAudio() throws Exception {
        ByteArrayOutputStream junk = new ByteArrayOutputStream();
        for (int i = 0; i < 250_000; i++) {
            junk.writeBytes("junk\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1));
        }
        byte[] body = WavFiles.simple(WavFiles.PCM, 1, 16, 3);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.write(body, 0, 12);
        file.writeBytes(junk.toByteArray());
        file.write(body, 12, body.length - 12);
        Path path = Files.write(tmp.resolve("junk.wav"), file.toByteArray());
        Audio audio = assertTimeoutPreemptively(QUICKLY, () -> WavReader.read(path));
        assertEquals(3, audio.length());
    }

    private void assertRefused(byte[] wav, String expectedInMessage) throws IOException {
        Path path = Files.write(tmp.resolve("hostile.wav"), wav);
        AudioFormatException e = assertTimeoutPreemptively(QUICKLY,
                () -> assertThrows(AudioFormatException.class, () -> WavReader.read(path)));
        ReaderContract.requireOwnDiagnosis(e);
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    }

    private static int indexOf(byte[] file, String fourCc) {
        byte[] id = fourCc.getBytes(StandardCharsets.US_ASCII);
        for (int i = 12; i + 4 <= file.length; i++) {
            if (file[i] == id[0] && file[i + 1] == id[1] && file[i + 2] == id[2] && file[i + 3] == id[3]) {
                return i;
            }
        }
        throw new AssertionError(fourCc + " not found");
    }
}

package dev.htdemucs.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.dsp.WavReader;

import java.io.IOException;

/**
 * Fuzzes {@link WavReader#read}: every input decodes or is refused with an {@link AudioFormatException}.
 * A decoded file can never hold more samples than it has bytes (8-bit PCM is the densest encoding).
 */
class WavReaderFuzzTest {
    private static final ScratchFile FILE = ScratchFile.create(".wav");

    @FuzzTest(maxDuration = "10m")
    void readWav(byte[] file) throws IOException {
        Audio audio;
        try {
            audio = WavReader.read(FILE.write(file));
        } catch (AudioFormatException rejected) {
            ReaderContract.requireOwnDiagnosis(rejected);
            return;
        }
        long samples = (long) audio.channels() * audio.length();
        if (samples == 0 || samples > file.length) {
            throw new AssertionError(file.length + "-byte file decoded to " + audio.channels() + " x " + audio.length()
                    + " samples");
        }
    }
}

package dev.htdemucs.cli;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.WavEncoding;
import dev.htdemucs.dsp.WavReader;
import dev.htdemucs.dsp.WavWriter;
import dev.htdemucs.separation.ClipMode;
import dev.htdemucs.separation.ProgressListener;
import dev.htdemucs.separation.SeparationSettings;
import dev.htdemucs.separation.Separator;
import dev.htdemucs.separation.Stems;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code htdemucs separate} on the reference runtime with the tiny6 checkpoint: the separation code path
 * against demucs' own outputs (golden {@code short_input}, {@code long_apply}), the files it writes, and
 * its refusals of bad input.
 */
class SeparateCommandTest {

    /**
     * Ours vs PyTorch, relative to the golden output's peak. The reference runtime and host STFT are float32
     * like torch but sum in other orders; the golden tests of the inner network see ~1e-6. 1e-4 leaves room
     * for the overlap-add and still catches any misplaced segment or weight (errors of order 1e-1).
     */
    static final double GOLDEN_TOLERANCE_OF_PEAK = 1e-4;
    /** 16-bit stems read back are within one LSB of the in-memory stems (which clip-mode rescale keeps below 1). */
    static final double PCM_16_LSB = 1.0 / 32768;

    static GoldenSet tiny6;
    static Path checkpoint;
    static SeparationModel model;

    @TempDir
    Path dir;

    @BeforeAll
    static void openModel() throws Exception {
        OfflineMode.enable();
        tiny6 = Golden.tiny6();
        checkpoint = tiny6.file("model.th");
        model = SeparationModel.open(Plugins.discover(List.of()), "reference", checkpoint, Options.NONE);
    }

    @AfterAll
    static void closeModel() throws Exception {
        if (model != null) model.close();
    }

    private static void assertMatchesGolden(String name, NpyArray golden, float[] ours) {
        Comparison c = Comparison.of(golden.data(), ours);
        System.out.println(name + ": " + c);
        assertTrue(c.maxAbsRelativeToPeak() <= GOLDEN_TOLERANCE_OF_PEAK, name + ": " + c);
    }

    @Test
    void shortInputIsPaddedToTheSegmentAndCroppedAsInForward() throws Exception {
        NpyArray mix = tiny6.npy("short_input/mix.npy");
        NpyArray golden = tiny6.npy("short_input/output.npy");
        int length = mix.dim(2);
        assertTrue(length < model.network().trainingLength(), "the case is shorter than a segment");

        float[] out = model.network().forward(mix.data(), length);

        assertArrayEquals(golden.shape(), new int[] {1, model.network().sources(), 2, length});
        assertMatchesGolden("short_input", golden, out);
    }

    @Test
    void longMixEqualsApplyModelWithOverlapAndNoShifts() throws Exception {
        NpyArray mix = tiny6.npy("long_apply/mix.npy");
        NpyArray golden = tiny6.npy("long_apply/output.npy");
        int length = mix.dim(2);
        assertEquals(72_765, length, "3.3 segments of 22050");
        Separator separator = SeparateCommand.newSeparator(model, SeparationSettings.DEFAULT);
        int[] runs = new int[1];

        float[] out = separator.apply(mix.data(), length, (done, total) -> runs[0] = total);

        assertEquals(5, runs[0], "segments at 0, 16537, 33074, 49611, 66148");
        assertMatchesGolden("long_apply", golden, out);
    }

    /** The first {@code length} samples of the long_apply mix as audio. */
    private static Audio songExcerpt(int length) {
        NpyArray mix = tiny6.npy("long_apply/mix.npy");
        int total = mix.dim(2);
        float[][] samples = new float[2][];
        for (int c = 0; c < 2; c++) samples[c] = Arrays.copyOfRange(mix.data(), c * total, c * total + length);
        return new Audio(44_100, samples);
    }

    @Test
    void writesEveryStemAndFloatFilesHoldExactlyWhatWasSeparated() throws Exception {
        Path song = dir.resolve("my song.wav");
        WavWriter.write(song, songExcerpt(30_000), WavEncoding.FLOAT_32);
        Path out = dir.resolve("out");

        CliRunner.Result r = CliRunner.run("separate", "--model", checkpoint.toString(), "--float", "--progress",
                "--out", out.toString(), song.toString());

        assertEquals(0, r.exitCode(), r.err());
        Stems expected = SeparateCommand.separateSong(SeparateCommand.newSeparator(model, SeparationSettings.DEFAULT),
                WavReader.read(song), ClipMode.RESCALE, ProgressListener.NONE);
        assertEquals(List.of("drums", "bass", "other", "vocals", "guitar", "piano"), expected.sources());
        for (int s = 0; s < expected.count(); s++) {
            Audio back = WavReader.read(out.resolve("my song").resolve(expected.sources().get(s) + ".wav"));
            assertEquals(44_100, back.sampleRate());
            for (int c = 0; c < 2; c++) {
                assertArrayEquals(expected.audio(s).samples()[c], back.samples()[c],
                        "stem " + expected.sources().get(s) + " channel " + c + " bit for bit");
            }
        }
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of(out.resolve("my song")), files.toList(), "no staging folder left behind");
        }
        assertTrue(r.err().contains("[" + "#".repeat(ProgressBar.WIDTH) + "] 2/2 segments"), r.err());
        String[] lines = r.out().strip().split("\n");
        assertTrue(lines[lines.length - 1].matches(
                "separated 1 song: 0\\.68 s of audio in \\d+\\.\\d\\d s wall time, \\d+\\.\\d\\dx real time \\(reference\\)"),
                r.out());
    }

    @Test
    void sixteenBitStemsAreWithinOneLsbAndMonoIsDuplicated() throws Exception {
        Audio stereo = songExcerpt(25_000);
        Path song = dir.resolve("mono.wav");
        WavWriter.write(song, new Audio(44_100, new float[][] {stereo.samples()[0]}), WavEncoding.PCM_16);
        Path out = dir.resolve("separated");

        CliRunner.Result r = CliRunner.run("separate", "--model", checkpoint.toString(), "-o", out.toString(), song.toString());

        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err(), "no progress bar off a terminal");
        Stems expected = SeparateCommand.separateSong(SeparateCommand.newSeparator(model, SeparationSettings.DEFAULT),
                WavReader.read(song), ClipMode.RESCALE, ProgressListener.NONE);
        double worst = 0;
        for (int s = 0; s < expected.count(); s++) {
            Audio back = WavReader.read(out.resolve("mono").resolve(expected.sources().get(s) + ".wav"));
            assertEquals(2, back.channels(), "a stereo model's stems are stereo");
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < back.length(); i++) {
                    worst = Math.max(worst, Math.abs(back.samples()[c][i] - (double) expected.audio(s).samples()[c][i]));
                }
            }
        }
        assertTrue(worst <= PCM_16_LSB, "worst " + worst * 32768 + " LSB");
        assertTrue(worst > 0, "16-bit quantisation is visible");
    }

    // ---------------------------------------------------------------------------------- bad input

    private static byte[] wavHeader(int channels, int rate, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(44 + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + dataBytes).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) channels)
                .putInt(rate).putInt(rate * channels * 2).putShort((short) (channels * 2)).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(dataBytes);
        return b.array();
    }

    private void assertRefused(String fileName, byte[] bytes, String cause) throws IOException {
        Path song = Files.write(dir.resolve(fileName), bytes);
        Path out = dir.resolve("never");
        Path good = dir.resolve("good.wav");
        WavWriter.write(good, songExcerpt(1000), WavEncoding.PCM_16);

        // The good song comes first: nothing is written for it either.
        CliRunner.Result r = CliRunner.run("separate", "--model", checkpoint.toString(), "--out", out.toString(),
                good.toString(), song.toString());

        assertEquals(2, r.exitCode(), r.err());
        assertEquals("error: " + cause + " (" + song + ")\n", r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out), "no output directory");
    }

    @Test
    void refusesATruncatedFile() throws IOException {
        byte[] whole = wavHeader(2, 44_100, 400);
        assertRefused("truncated.wav", Arrays.copyOf(whole, 200),
                "truncated file: chunk 'data' at byte 36 declares 400 bytes but only 156 follow");
    }

    @Test
    void refusesWhatIsNotRiff() throws IOException {
        assertRefused("song.mp3.wav", "ID3\u0004 not a wav at all".getBytes(StandardCharsets.US_ASCII),
                "not a RIFF/WAVE file: expected 'RIFF' and 'WAVE' at bytes 0 and 8, found 'ID3?' and ' a w'");
    }

    @Test
    void refusesThreeChannels() throws IOException {
        assertRefused("three.wav", wavHeader(3, 44_100, 600),
                "unsupported channel count 3: only mono (duplicated to stereo) and stereo audio can be separated");
    }

    @Test
    void refusesAFileWithoutSamples() throws IOException {
        assertRefused("empty.wav", wavHeader(2, 44_100, 0), "no samples: the data chunk holds no complete sample frame");
    }

    @Test
    void refusesAnotherSampleRateNamingTheExpectedOne() throws IOException {
        assertRefused("48k.wav", wavHeader(2, 48_000, 400), "sample rate 48000 Hz, but the model expects 44100 Hz;"
                + " there is no resampler built in: resample the file first");
    }

    @Test
    void refusesAMissingFile() throws IOException {
        Path out = dir.resolve("never");
        Path missing = dir.resolve("missing.wav");
        CliRunner.Result r = CliRunner.run("separate", "--model", checkpoint.toString(), "--out", out.toString(),
                missing.toString());
        assertEquals(2, r.exitCode());
        assertEquals("error: file not found (" + missing + ")\n", r.err().replace("\r\n", "\n"));
        assertFalse(Files.exists(out));
    }

    @Test
    void refusesASegmentLongerThanTheModels() throws IOException {
        Path song = dir.resolve("good.wav");
        WavWriter.write(song, songExcerpt(1000), WavEncoding.PCM_16);
        CliRunner.Result r = CliRunner.run("separate", "--model", checkpoint.toString(), "--segment", "0.6",
                "--out", dir.resolve("never").toString(), song.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: --segment 0.6 s is longer than the model's training segment of 0.50 s"
                + " (22050 samples)"), r.err());
        assertFalse(Files.exists(dir.resolve("never")));
    }
}

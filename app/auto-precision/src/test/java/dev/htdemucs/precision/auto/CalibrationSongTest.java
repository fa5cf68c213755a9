package dev.htdemucs.precision.auto;

import dev.htdemucs.numerics.Metrics;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The calibration songs: deterministic, music-like in level and spectrum, arranged differently, and the inputs built from them. */
class CalibrationSongTest {
    static final ModelMetadata META = new ModelMetadata("test", List.of("a", "b"), 44100, 2, 22050, 4096, 1024, Map.of());

    @Test
    void isDeterministicAndSeeded() {
        float[] a = CalibrationSong.mix(2, 44100, 44100, 1), b = CalibrationSong.mix(2, 44100, 44100, 1);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, CalibrationSong.mix(2, 44100, 44100, 2)), "another seed, another song");
    }

    @Test
    void soundsLikeAMixNotLikeNoise() {
        int n = 44100;
        float[] mix = CalibrationSong.mix(2, n, 44100, CalibrationSong.DEFAULT_SEED);
        double peak = Metrics.peak(mix);
        assertTrue(peak > 0.3 && peak < 1, "peak " + peak);
        float[] left = Arrays.copyOfRange(mix, 0, n), right = Arrays.copyOfRange(mix, n, 2 * n);
        double sideToMid = Metrics.snrDb(left, right);
        assertTrue(sideToMid > 3 && sideToMid < 40, "channels differ (panning) but are mostly alike: " + sideToMid + " dB");
        // loud beats, quiet gaps between them: the kick's envelope must show
        double onBeat = rms(left, 0, 2000), beforeNextBeat = rms(left, 20000, 22000);
        assertTrue(onBeat > 2 * beforeNextBeat, "on the beat " + onBeat + ", before the next " + beforeNextBeat);
    }

    @Test
    void songZeroIsTheDefaultArrangementAndLaterSongsAreDrawnWithinTheirRanges() {
        assertEquals(CalibrationSong.Arrangement.DEFAULT, CalibrationSong.song(0).arrangement());
        assertEquals(CalibrationSong.DEFAULT_SEED, CalibrationSong.song(0).seed());
        assertArrayEquals(CalibrationSong.mix(2, 4410, 44100, CalibrationSong.DEFAULT_SEED),
                CalibrationSong.mix(2, 4410, 44100, CalibrationSong.DEFAULT_SEED, CalibrationSong.Arrangement.DEFAULT));
        for (int i = 1; i <= 50; i++) {
            CalibrationSong.Song song = CalibrationSong.song(i);
            CalibrationSong.Arrangement a = song.arrangement();
            assertEquals(a, CalibrationSong.song(i).arrangement(), "drawn from its seed, so always the same");
            assertEquals(CalibrationSong.DEFAULT_SEED + i, song.seed());
            assertTrue(a.bpm() >= 80 && a.bpm() < 160 && a.transpose() >= -6 && a.transpose() < 6, song.toString());
            for (double db : new double[] {a.drumsDb(), a.bassDb(), a.padDb(), a.leadDb()}) assertTrue(db >= -12 && db < 3, song.toString());
            assertTrue(a.width() >= -1 && a.width() < 1 && a.levelDb() > -20 && a.levelDb() <= 0, song.toString());
            assertFalse(a.equals(CalibrationSong.song(i - 1).arrangement()), "song " + i + " is another arrangement than song " + (i - 1));
        }
        assertThrows(IllegalArgumentException.class, () -> CalibrationSong.song(-1));
    }

    @Test
    void theArrangementSetsLevelAndStereoWidth() {
        CalibrationSong.Arrangement d = CalibrationSong.Arrangement.DEFAULT;
        float[] loud = CalibrationSong.mix(2, 4410, 44100, 7, d);
        float[] quiet = CalibrationSong.mix(2, 4410, 44100, 7,
                new CalibrationSong.Arrangement(d.bpm(), d.transpose(), 0, 0, 0, 0, d.width(), -20));
        for (int i = 0; i < loud.length; i++) assertEquals(0.1 * loud[i], quiet[i], 1e-6 * Math.abs(loud[i]) + 1e-12, "sample " + i);
        float[] mono = CalibrationSong.mix(2, 4410, 44100, 7, new CalibrationSong.Arrangement(100, 3, -3, 1, -6, 2, 0, -5));
        assertArrayEquals(Arrays.copyOfRange(mono, 0, 4410), Arrays.copyOfRange(mono, 4410, 8820), "width 0 is mono");
        assertThrows(IllegalArgumentException.class, () -> new CalibrationSong.Arrangement(0, 0, 0, 0, 0, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new CalibrationSong.Arrangement(120, 0, Double.NEGATIVE_INFINITY, 0, 0, 0, 1, 0));
    }

    private static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += (double) x[i] * x[i];
        return Math.sqrt(s / (to - from));
    }

    @Test
    void buildsMixAndSpectrogramInputs() throws PluginException {
        GraphBuilder b = new GraphBuilder("inner");
        b.output("m", b.op("relu", "m", Attributes.EMPTY, b.input("mix", TensorType.f32(1, 2, 22050))));
        b.output("s", b.op("relu", "s", Attributes.EMPTY, b.input("spec", TensorType.f32(1, 4, 2048, 22))));
        CalibrationSong.Song song = CalibrationSong.song(3);
        Map<String, Tensor> in = CalibrationSong.inputs(b.build(), META, song);
        assertArrayEquals(new int[] {1, 2, 22050}, in.get("mix").shape());
        assertArrayEquals(new int[] {1, 4, 2048, 22}, in.get("spec").shape());
        assertArrayEquals(CalibrationSong.mix(2, 22050, 44100, song.seed(), song.arrangement()), in.get("mix").toFloatArray());
        assertTrue(Metrics.peak(in.get("spec").toFloatArray()) > 1, "a spectrogram with energy");
    }

    @Test
    void refusesGraphsThatAreNotHtdemucs() {
        GraphBuilder b = new GraphBuilder("other");
        b.output("y", b.op("relu", "y", Attributes.EMPTY, b.input("x", TensorType.f32(1, 2, 8))));
        Graph g = b.build();
        PluginException e = assertThrows(PluginException.class, () -> CalibrationSong.inputs(g, META, CalibrationSong.song(1)));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("mix"), e.getMessage());
        GraphBuilder wrong = new GraphBuilder("wrong-spec");
        wrong.output("m", wrong.op("relu", "m", Attributes.EMPTY, wrong.input("mix", TensorType.f32(1, 2, 22050))));
        wrong.output("s", wrong.op("relu", "s", Attributes.EMPTY, wrong.input("spec", TensorType.f32(1, 4, 2048, 21))));
        e = assertThrows(PluginException.class, () -> CalibrationSong.inputs(wrong.build(), META, CalibrationSong.song(1)));
        assertTrue(e.getMessage().contains("[1, 4, 2048, 22]"), e.getMessage());
    }
}

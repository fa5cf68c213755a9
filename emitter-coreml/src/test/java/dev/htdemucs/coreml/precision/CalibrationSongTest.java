package dev.htdemucs.coreml.precision;

import dev.htdemucs.fixtures.Metrics;
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

/** The calibration song: deterministic, music-like in level and spectrum, and the inputs built from it. */
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
        Map<String, Tensor> in = CalibrationSong.inputs(b.build(), META, 3);
        assertArrayEquals(new int[] {1, 2, 22050}, in.get("mix").shape());
        assertArrayEquals(new int[] {1, 4, 2048, 22}, in.get("spec").shape());
        assertArrayEquals(CalibrationSong.mix(2, 22050, 44100, 3), in.get("mix").toFloatArray());
        assertTrue(Metrics.peak(in.get("spec").toFloatArray()) > 1, "a spectrogram with energy");
    }

    @Test
    void refusesGraphsThatAreNotHtdemucs() {
        GraphBuilder b = new GraphBuilder("other");
        b.output("y", b.op("relu", "y", Attributes.EMPTY, b.input("x", TensorType.f32(1, 2, 8))));
        Graph g = b.build();
        PluginException e = assertThrows(PluginException.class, () -> CalibrationSong.inputs(g, META, 1));
        assertTrue(e.getMessage().contains("'x'") && e.getMessage().contains("mix"), e.getMessage());
        GraphBuilder wrong = new GraphBuilder("wrong-spec");
        wrong.output("m", wrong.op("relu", "m", Attributes.EMPTY, wrong.input("mix", TensorType.f32(1, 2, 22050))));
        wrong.output("s", wrong.op("relu", "s", Attributes.EMPTY, wrong.input("spec", TensorType.f32(1, 4, 2048, 21))));
        e = assertThrows(PluginException.class, () -> CalibrationSong.inputs(wrong.build(), META, 1));
        assertTrue(e.getMessage().contains("[1, 4, 2048, 22]"), e.getMessage());
    }
}

package dev.htdemucs.report;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The result model: metrics computed from arrays, bounds, worst-stem ranking. */
class MetricsModelTest {

    /** [1, S=3, C=2, L=4]: source s, channel c, sample n holds s + 1 + n / 10 (channel-independent). */
    private static NpyArray output(float... perSourceOffset) {
        float[] data = new float[3 * 2 * 4];
        for (int s = 0; s < 3; s++) {
            for (int c = 0; c < 2; c++) {
                for (int n = 0; n < 4; n++) {
                    data[(s * 2 + c) * 4 + n] = s + 1 + n / 10f + perSourceOffset[s];
                }
            }
        }
        return NpyArray.of(data, 1, 3, 2, 4);
    }

    @Test
    void stemsAreSplitAlongTheSourceAxis() {
        NpyArray reference = output(0, 0, 0);
        NpyArray test = output(0, 0.5f, 0.25f);
        RunResult run = RunResult.builder("onnxruntime", "fp16", "white_noise")
                .stems(List.of("drums", "bass", "vocals"), reference, test)
                .innerOutput("wave_out", reference, test)
                .wallTimeSeconds(1.5)
                .build();

        assertEquals(List.of("drums", "bass", "vocals"), run.sources().stream().map(SourceMetrics::source).toList());
        SourceMetrics drums = run.sources().get(0);
        assertEquals(0, drums.maxAbs());
        assertEquals(Double.POSITIVE_INFINITY, drums.snrDb());
        SourceMetrics bass = run.sources().get(1);
        assertEquals(0.5, bass.maxAbs(), 1e-7);
        assertEquals(0.5 / 2.3, bass.maxAbsRelToPeak(), 1e-6); // bass peaks at 2 + 0.3
        float[] bassReference = {2f, 2.1f, 2.2f, 2.3f, 2f, 2.1f, 2.2f, 2.3f};
        float[] bassTest = new float[8];
        for (int i = 0; i < 8; i++) {
            bassTest[i] = bassReference[i] + 0.5f;
        }
        Comparison direct = Comparison.of(bassReference, bassTest);
        assertEquals(direct.snrDb(), bass.snrDb(), 1e-9);
        assertEquals(direct.siSdrDb(), bass.siSdrDb(), 1e-9);
        assertEquals("bass", run.worstSource().orElseThrow().source());
        assertEquals(1, run.innerOutputs().size());
        assertEquals(Comparison.of(reference, test).snrDb(), run.innerOutputs().get(0).snrDb(), 1e-12);
        assertEquals(1, run.sourceIndex("bass"));
    }

    @Test
    void wrongSourceCountIsAClearError() {
        NpyArray reference = output(0, 0, 0);
        var builder = RunResult.builder("coreml-reference", "fp32", "sine_440hz");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder.stems(List.of("drums", "bass"), reference, reference));
        assertTrue(e.getMessage().contains("[drums, bass]") && e.getMessage().contains("[1, 3, 2, 4]")
                && e.getMessage().contains("coreml-reference fp32 on sine_440hz"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> builder.stems(List.of("a", "b", "c"), reference,
                NpyArray.of(new float[24], 1, 3, 4, 2)));
    }

    @Test
    void nanInTheTestOutputMakesEveryMetricNan() {
        NpyArray reference = output(0, 0, 0);
        NpyArray test = output(0, 0, 0);
        test.data()[9] = Float.NaN; // source 1
        RunResult run = RunResult.builder("pytorch", "fp32", "synth_song")
                .stems(List.of("drums", "bass", "vocals"), reference, test).build();
        SourceMetrics bass = run.sources().get(1);
        assertTrue(Double.isNaN(bass.maxAbs()) && Double.isNaN(bass.snrDb()) && Double.isNaN(bass.siSdrDb()));
        assertEquals("bass", run.worstSource().orElseThrow().source(), "NaN ranks below every number");
    }

    @Test
    void boundsHoldOnlyForNumbersOnTheRightSide() {
        assertTrue(Bound.atMost("e", 1e-5, 1e-4).holds());
        assertTrue(Bound.atMost("e", 1e-4, 1e-4).holds());
        assertFalse(Bound.atMost("e", 2e-4, 1e-4).holds());
        assertFalse(Bound.atMost("e", Double.NaN, 1e-4).holds());
        assertTrue(Bound.atLeast("snr", Double.POSITIVE_INFINITY, 40).holds());
        assertFalse(Bound.atLeast("snr", Double.NEGATIVE_INFINITY, 40).holds());
        assertFalse(Bound.atLeast("snr", Double.NaN, 40).holds());

        ValidationReport passing = ValidationReport.builder("m").bound(Bound.atLeast("snr", 50, 40)).build();
        ValidationReport failing = ValidationReport.builder("m").bound(Bound.atLeast("snr", 50, 40))
                .bound(Bound.atMost("err", Double.NaN, 1)).build();
        assertTrue(passing.passed());
        assertFalse(failing.passed());
        assertEquals(1, failing.boundsHeld());
    }

    @Test
    void worstStemPrefersFiniteSnrOverSilentReferences() {
        RunResult silence = new RunResult("coreml-reference", "fp16", "silence", List.of(
                new SourceMetrics("drums", 1e-6, 1e-6, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY)),
                List.of(), 0.1);
        RunResult song = new RunResult("coreml-reference", "fp16", "synth_song", List.of(
                new SourceMetrics("drums", 1e-4, 1e-3, 52, 52), new SourceMetrics("bass", 1e-4, 1e-3, 47, 47)),
                List.of(), 0.1);
        RunResult identical = new RunResult("pytorch", "fp32", "synth_song", List.of(
                new SourceMetrics("drums", 0, 0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)), List.of(), 0.1);
        WorstStem worst = WorstStem.among(List.of(identical, silence, song)).orElseThrow();
        assertEquals("synth_song", worst.run().caseName());
        assertEquals("bass", worst.source().source());
        assertEquals(1, worst.sourceIndex());

        assertEquals("silence", WorstStem.among(List.of(identical, silence)).orElseThrow().run().caseName());
        RunResult broken = new RunResult("onnxruntime", "fp16", "synth_song", List.of(
                new SourceMetrics("drums", Double.NaN, Double.NaN, Double.NaN, Double.NaN)), List.of(), 0.1);
        assertEquals("onnxruntime", WorstStem.among(List.of(song, silence, broken)).orElseThrow().run().runtime());
        assertTrue(WorstStem.among(List.of()).isEmpty());
    }

    @Test
    void layerOrderFollowsTheNetwork() {
        assertEquals(List.of("encoder0", "encoder1", "tencoder0", "tencoder1", "transformer", "decoder0", "decoder1",
                "tdecoder0", "tdecoder1"), LayerOrder.htdemucs(2));
        assertEquals(17, LayerOrder.htdemucs(4).size());
        assertThrows(IllegalArgumentException.class, () -> LayerOrder.htdemucs(0));
    }
}

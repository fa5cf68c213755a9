package dev.htdemucs.validation;

import dev.htdemucs.report.Bound;
import dev.htdemucs.report.OutputMetrics;
import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.SourceMetrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which numbers each bound of {@code validate} takes, and that NaN and silence are handled as stated. */
class ValidationBoundsTest {

    static RunResult run(String runtime, String precision, String input, double relError, double snr, double innerRelError) {
        return RunResult.builder(runtime, precision, input)
                .source(new SourceMetrics("drums", relError, relError, snr, snr))
                .source(new SourceMetrics("bass", relError / 2, relError / 2, snr + 10, snr + 10))
                .innerOutput(new OutputMetrics("spec_out", innerRelError, innerRelError, 120, 120))
                .build();
    }

    @Test
    void fp32RunsAreBoundedByTheirWorstStemOrInnerOutput() {
        List<Bound> bounds = ValidationBounds.of(List.of(
                run("onnxruntime", "fp32", "sine_440hz", 2e-6, 120, 3e-6),
                run("onnxruntime", "fp32", "synth_song", 1e-6, 110, 2e-4)), Set.of(), 0, 40);

        assertEquals(2, bounds.size());
        assertEquals("onnxruntime fp32: max abs / peak, every stem and inner output", bounds.get(0).description());
        assertEquals(2e-4, bounds.get(0).measured(), "the inner output of synth_song is the worst");
        assertEquals(1e-4, bounds.get(0).limit());
        assertFalse(bounds.get(0).holds());
        assertTrue(bounds.get(1).holds(), "no NaN");
    }

    @Test
    void otherPrecisionsAreBoundedByTheLowestStemSnrOfNonSilentInputs() {
        List<Bound> bounds = ValidationBounds.of(List.of(
                run("coreml-reference", "fp16", "silence", 1e-6, Double.NEGATIVE_INFINITY, 1e-6),
                run("coreml-reference", "fp16", "white_noise", 1e-3, 55, 1e-3),
                run("coreml-reference", "fp16", "synth_song", 1e-3, 48, 1e-3)), Set.of("silence"), 0, 50);

        assertEquals("coreml-reference fp16: SNR in dB, every stem of every non-silent input", bounds.get(0).description());
        assertEquals(48, bounds.get(0).measured(), "-inf on silence does not count");
        assertEquals(Bound.Relation.AT_LEAST, bounds.get(0).relation());
        assertFalse(bounds.get(0).holds(), "48 < 50");
    }

    @Test
    void aNanAnywhereBreaksItsRunsBoundAndTheNanBound() {
        List<Bound> bounds = ValidationBounds.of(List.of(
                run("pytorch", "fp32", "sine_440hz", Double.NaN, Double.NaN, 1e-7),
                run("coreml-reference", "mixed", "sine_440hz", 1e-3, Double.NaN, 1e-3)), Set.of(), 12, 40);

        assertEquals(3, bounds.size());
        assertTrue(Double.isNaN(bounds.get(0).measured()));
        assertFalse(bounds.get(0).holds());
        assertTrue(Double.isNaN(bounds.get(1).measured()));
        assertFalse(bounds.get(1).holds());
        assertEquals(12, bounds.get(2).measured());
        assertFalse(bounds.get(2).holds());
    }

    @Test
    void aPrecisionCheckedOnlyOnSilenceHasNoSnrBound() {
        List<Bound> bounds = ValidationBounds.of(List.of(
                run("coreml-reference", "fp16", "silence", 0, Double.POSITIVE_INFINITY, 0)), Set.of("silence"), 0, 40);
        assertEquals(List.of(ValidationBounds.NO_NAN), bounds.stream().map(Bound::description).toList());
    }
}

package dev.htdemucs.validation;

import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.ValidationReport;
import dev.htdemucs.spi.Plugins;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine behind {@code htdemucs validate}, called as a library on the bundled tiny6 model. */
class ValidationTest {

    @Test
    void theConvertedPackagesOfTiny6KeepTheBoundsAndMissingRuntimesAreNotes() throws Exception {
        List<String> progress = new ArrayList<>();
        ValidationSettings settings = ValidationSettings.defaults(Plugins.fromClassPath())
                .withPrecisions(List.of("fp32", "fp16"))
                .withRuntimes(List.of("coreml-reference", "no-such-runtime"), Validation.REFERENCE)
                .withInputs(List.of(), List.of("silence", "synth_song"), null)
                .withVersion("test")
                .withProgress(progress::add);
        ValidationReport report = Validation.run(settings);

        assertTrue(report.passed(), report.bounds().toString());
        assertEquals("tiny6 (bundled)", report.model());
        assertEquals("htdemucs test", report.createdBy());
        assertEquals(List.of("coreml-reference fp32", "coreml-reference fp16"),
                report.runs().stream().map(RunResult::label).distinct().toList());
        assertEquals(List.of("silence", "synth_song"), report.runs().stream().map(RunResult::caseName).distinct().toList());
        assertEquals("ios17", report.versions().get("coreml target"));
        List<String> notes = Validation.notes(report);
        assertEquals(1, notes.size(), notes.toString());
        assertTrue(notes.get(0).startsWith("no-such-runtime: not run: no runtime plugin named 'no-such-runtime'"), notes.get(0));
        assertTrue(progress.contains("validate: loading the bundled tiny6 model"), progress.toString());
        assertTrue(progress.contains("validate: converting to fp16 (fp16.mlpackage)"), progress.toString());
    }

    @Test
    void settingsThatCannotBeRunAreRefusedUpFront() throws Exception {
        ValidationSettings defaults = ValidationSettings.defaults(Plugins.fromClassPath());
        IllegalArgumentException signal = assertThrows(IllegalArgumentException.class,
                () -> defaults.withInputs(List.of(), List.of("pink_noise"), null));
        assertEquals("no built-in signal 'pink_noise'; built in: silence, sine_440hz, white_noise, synth_song", signal.getMessage());
        assertThrows(IllegalArgumentException.class, () -> defaults.withInputs(List.of(), null, 2.0), "seconds without songs");
        assertThrows(IllegalArgumentException.class, () -> defaults.withThreads(0));
        assertThrows(IllegalArgumentException.class, () -> defaults.withMinFp16SnrDb(Double.NaN));
    }
}

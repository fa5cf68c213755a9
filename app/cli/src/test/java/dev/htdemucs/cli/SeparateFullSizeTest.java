package dev.htdemucs.cli;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.fixtures.GoldenAssumptions;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.separation.SeparationSettings;
import dev.htdemucs.separation.Separator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The separation code path on the released htdemucs_6s architecture (golden {@code synth_song}: one full
 * segment of 343980 samples, the output of {@code forward}). Without overlap {@code apply_model} runs that
 * segment alone and its weights cancel; with the default overlap it would run a second, centre-padded
 * segment at the stride and cross-fade, which is not what {@code forward} computes. Run on the reference
 * runtime and on ONNX Runtime (the checkpoint exported to ONNX in memory). Minutes: run with {@code -Pfull}.
 */
@Tag("full")
class SeparateFullSizeTest {

    /** As {@link SeparateCommandTest#GOLDEN_TOLERANCE_OF_PEAK}. */
    static final double GOLDEN_TOLERANCE_OF_PEAK = 1e-4;

    @ParameterizedTest
    @ValueSource(strings = {"reference", "onnxruntime"})
    void oneSegmentSongEqualsForward(String runtime) throws Exception {
        GoldenSet full = GoldenAssumptions.requireFullSize();
        OfflineMode.enable();
        NpyArray mix = full.npy("synth_song/mix.npy");
        NpyArray golden = full.npy("synth_song/output.npy");
        try (SeparationModel model = SeparationModel.open(Plugins.discover(List.of()), runtime,
                full.file("model.th"), Options.NONE)) {
            assertEquals(mix.dim(2), model.network().trainingLength(), "the case is one training segment");
            Separator separator = SeparateCommand.newSeparator(model, SeparationSettings.DEFAULT.withOverlap(0));

            float[] out = separator.apply(mix.data(), mix.dim(2), (done, total) -> assertEquals(1, total));

            Comparison c = Comparison.of(golden.data(), out);
            System.out.println("htdemucs_6s synth_song via apply on " + runtime + ": " + c);
            assertTrue(c.maxAbsRelativeToPeak() <= GOLDEN_TOLERANCE_OF_PEAK, c.toString());
        }
    }
}

package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.fixtures.GoldenAssumptions;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.pytorch.DemucsCheckpointLoader;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.testsupport.ReferenceRun;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.htdemucs.pytorch.htdemucs.GoldenTolerance.assertMatches;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The released htdemucs_6s architecture (random weights): loads, has the published parameter count, and its
 * full segment graph reproduces PyTorch's output on the reference runtime within
 * {@link GoldenTolerance#MAX_ABS_RELATIVE_TO_PEAK} of the peak. Slow (a 7.8 s segment through 27 M
 * parameters in pure Java), hence tagged {@code full}.
 */
@Tag("full")
class FullSizeGraphTest {

    @Test
    void htdemucs6sFullGraphMatchesGoldenOutput() throws PluginException {
        GoldenSet golden = GoldenAssumptions.requireFullSize();
        Path model = golden.file("model.th");
        DemucsCheckpointLoader loader = new DemucsCheckpointLoader();
        assertEquals(27_414_996L, loader.parameterCount(model));
        assertEquals(golden.parameters(), loader.parameterCount(model));

        long start = System.nanoTime();
        LoadedModel loaded = loader.load(model, Options.NONE);
        long built = System.nanoTime();
        assertEquals(List.of("drums", "bass", "other", "vocals", "guitar", "piano"), loaded.metadata().sources());
        assertEquals(343_980, loaded.metadata().segmentSamples());
        assertEquals(golden.segmentSamples(), loaded.metadata().segmentSamples());

        Map<String, NpyArray> out = ReferenceRun.run(loaded.graph(), Map.of("mix", golden.npy("synth_song/mix.npy")));
        long ran = System.nanoTime();
        System.out.printf("htdemucs_6s: graph of %d nodes built in %.1f s, run on the reference runtime in %.1f s%n",
                loaded.graph().nodes().size(), (built - start) / 1e9, (ran - built) / 1e9);
        assertMatches("htdemucs_6s synth_song output", golden.npy("synth_song/output.npy"), out.get("output"));
    }
}

package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.numerics.Npy;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.pytorch.DemucsCheckpointLoader;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.testsupport.ReferenceRun;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.htdemucs.pytorch.htdemucs.GoldenTolerance.assertMatches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Small checkpoints saved by demucs' own serialize_model with kwargs tiny6 does not exercise, their
 * {@code output.npy} computed by PyTorch 1.13 after reloading the fp16 file. Weights were randomised beyond
 * the default init (LayerScale 0.3..0.8, norm weights 1 ± 0.3, biases ± 0.1) so that every op shows in the
 * output. The full graph must match within {@link GoldenTolerance#MAX_ABS_RELATIVE_TO_PEAK} of the peak.
 *
 * <ul>
 *   <li>{@code depth5_merge}: 4 sources, depth 5 (the time branch merges into the frequency branch through an
 *       empty tencoder and splits off through an empty tdecoder), channels 4, bottom_channels 0, dconv_mode 1,
 *       dconv_comp 4, context_enc 1, norm_starts 2, t_layers 3 with t_cross_first, t_heads 4,
 *       t_hidden_scale 2, segment 1/4.</li>
 *   <li>{@code mono_postnorm}: audio_channels 1, sources [vocals, accompaniment], nfft 2048, channels 6,
 *       rewrite False, freq_emb 0, dconv_mode 2 with dconv_depth -2 (no dilation), context 0, norm_starts 0,
 *       norm_groups 2, bottom_channels 32, t_norm_first False, t_gelu False (ReLU), t_group_norm, no layer
 *       scale, t_norm_in False with t_norm_in_group, t_weight_pos_embed 0.5, t_max_period 5000,
 *       segment 0.35 (a float: 15434 samples).</li>
 * </ul>
 */
class KwargsVariantsTest {

    private static Path resource(String variant, String file) {
        try {
            var url = KwargsVariantsTest.class.getResource("variants/" + variant + "/" + file);
            assertNotNull(url, "test resource variants/" + variant + "/" + file);
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static LoadedModel runAndCompare(String variant) throws PluginException {
        LoadedModel model = new DemucsCheckpointLoader().load(resource(variant, "model.th"), Options.NONE);
        new GraphValidator().validate(model.graph());
        NpyArray mix = Npy.read(resource(variant, "mix.npy"));
        Map<String, NpyArray> out = ReferenceRun.run(model.graph(), Map.of("mix", mix));
        assertMatches(variant + " output", Npy.read(resource(variant, "output.npy")), out.get("output"));
        return model;
    }

    @Test
    void depthFiveMergesTheBranchesAndMatchesPyTorch() throws PluginException {
        LoadedModel m = runAndCompare("depth5_merge");
        assertEquals(List.of("drums", "bass", "other", "vocals"), m.metadata().sources());
        assertEquals(11025, m.metadata().segmentSamples());
    }

    @Test
    void monoPostNormVariantMatchesPyTorch() throws PluginException {
        LoadedModel m = runAndCompare("mono_postnorm");
        assertEquals(1, m.metadata().audioChannels());
        assertEquals(15434, m.metadata().segmentSamples());
        assertEquals(512, m.metadata().hop());
    }
}

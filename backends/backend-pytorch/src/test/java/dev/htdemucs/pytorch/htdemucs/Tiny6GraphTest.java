package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.passes.ExposeNodesPass;
import dev.htdemucs.passes.ExtractInnerPass;
import dev.htdemucs.passes.LowerGluPass;
import dev.htdemucs.passes.LowerGroupNormPass;
import dev.htdemucs.pytorch.DemucsCheckpointLoader;
import dev.htdemucs.spi.LayerNodes;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.testsupport.ReferenceRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.htdemucs.pytorch.htdemucs.GoldenTolerance.assertMatches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny6 graphs on the reference runtime against PyTorch's golden tensors, every comparison within
 * {@link GoldenTolerance#MAX_ABS_RELATIVE_TO_PEAK} of the golden peak: the inner network's outputs, every
 * encoder/decoder layer's activation, and the full segment graph (with the stft/istft boundary ops).
 */
class Tiny6GraphTest {
    private static final List<String> LAYER_KINDS = List.of("encoder", "tencoder", "decoder", "tdecoder");

    private static GoldenSet golden;
    private static LoadedModel inner;
    private static LoadedModel full;

    @BeforeAll
    static void load() throws PluginException {
        golden = Golden.tiny6();
        DemucsCheckpointLoader loader = new DemucsCheckpointLoader();
        inner = loader.load(golden.file("model.th"), Options.of(DemucsCheckpointLoader.GRAPH_OPTION, "inner"));
        full = loader.load(golden.file("model.th"), Options.NONE);
        new GraphValidator().validate(inner.graph());
        new GraphValidator().validate(full.graph());
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void innerGraphMatchesGoldenSpecOutAndWaveOut(String name) throws PluginException {
        long start = System.nanoTime();
        Map<String, NpyArray> out = ReferenceRun.run(inner.graph(), innerInputs(name));
        System.out.printf("tiny6 inner %s on reference runtime: %.0f ms%n", name, (System.nanoTime() - start) / 1e6);
        assertMatches("tiny6 " + name + " spec_out", golden.npy(name + "/spec_out.npy"), out.get("spec_out"));
        assertMatches("tiny6 " + name + " wave_out", golden.npy(name + "/wave_out.npy"), out.get("wave_out"));
    }

    @Test
    void everyLayerActivationMatchesGolden() throws PluginException {
        List<String> nodes = new ArrayList<>();
        for (String kind : LAYER_KINDS) {
            for (int i = 0; golden.has("layers_white_noise/" + kind + i + ".npy"); i++) {
                nodes.add(LayerNodes.outputNode(kind + i));
            }
        }
        assertEquals(16, nodes.size(), "tiny6 has 4 layers of each kind: " + nodes);
        LoadedModel exposed = new ExposeNodesPass().apply(inner, Options.of("nodes", String.join(",", nodes)));
        Map<String, NpyArray> out = ReferenceRun.run(exposed.graph(), innerInputs("white_noise"));
        for (String node : nodes) {
            String file = "layers_white_noise/" + node.replace(".", "") + ".npy";
            assertMatches("tiny6 white_noise " + node, golden.npy(file), out.get(node));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"silence", "sine_440hz", "white_noise", "synth_song"})
    void fullGraphMatchesGoldenOutput(String name) throws PluginException {
        Map<String, NpyArray> out = ReferenceRun.run(full.graph(), Map.of("mix", golden.npy(name + "/mix.npy")));
        assertMatches("tiny6 " + name + " output (full graph)", golden.npy(name + "/output.npy"), out.get("output"));
    }

    @Test
    void extractInnerOfTheFullGraphComputesTheInnerNetwork() throws PluginException {
        LoadedModel cut = new ExtractInnerPass().apply(full, Options.NONE);
        Graph g = cut.graph();
        assertEquals(List.of("mix", "spec"), g.inputNames());
        assertEquals(List.of("spec_out", "wave_out"), List.copyOf(g.outputs().keySet()));
        assertFalse(g.opHistogram().containsKey("stft"));
        assertFalse(g.opHistogram().containsKey("istft"));
        assertEquals(inner.graph().opHistogram(), g.opHistogram());
        Map<String, NpyArray> out = ReferenceRun.run(g, innerInputs("synth_song"));
        assertMatches("tiny6 synth_song spec_out (extract-inner)", golden.npy("synth_song/spec_out.npy"), out.get("spec_out"));
        assertMatches("tiny6 synth_song wave_out (extract-inner)", golden.npy("synth_song/wave_out.npy"), out.get("wave_out"));
    }

    @Test
    void loweredGroupNormAndGluStillMatchGolden() throws PluginException {
        LoadedModel lowered = new LowerGluPass().apply(new LowerGroupNormPass().apply(inner, Options.NONE), Options.NONE);
        Map<String, Integer> ops = lowered.graph().opHistogram();
        assertFalse(ops.containsKey("group_norm"), ops.toString());
        assertFalse(ops.containsKey("glu"), ops.toString());
        assertTrue(lowered.graph().nodes().stream().anyMatch(n -> n.name().equals("encoder.0")),
                "the lowered glu keeps the layer's node name");
        Map<String, NpyArray> out = ReferenceRun.run(lowered.graph(), innerInputs("white_noise"));
        assertMatches("tiny6 white_noise spec_out (lowered)", golden.npy("white_noise/spec_out.npy"), out.get("spec_out"));
        assertMatches("tiny6 white_noise wave_out (lowered)", golden.npy("white_noise/wave_out.npy"), out.get("wave_out"));
    }

    private static Map<String, NpyArray> innerInputs(String name) {
        return Map.of("mix", golden.npy(name + "/mix.npy"), "spec", golden.npy(name + "/spec.npy"));
    }
}

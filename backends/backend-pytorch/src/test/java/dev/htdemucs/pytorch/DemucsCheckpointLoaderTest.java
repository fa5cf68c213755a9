package dev.htdemucs.pytorch;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemucsCheckpointLoaderTest {
    private static GoldenSet golden;
    private static Path model;
    private final DemucsCheckpointLoader loader = new DemucsCheckpointLoader();

    @BeforeAll
    static void locate() {
        golden = Golden.tiny6();
        model = golden.file("model.th");
    }

    @Test
    void isRegisteredAsAPlugin() throws PluginException {
        assertInstanceOf(DemucsCheckpointLoader.class, Plugins.fromClassPath().get(ModelLoader.class, "demucs-checkpoint"));
    }

    @Test
    void acceptsThFilesThatAreZipArchives(@TempDir Path dir) throws IOException {
        assertTrue(loader.accepts(model));
        Path renamed = Files.copy(model, dir.resolve("model.pt"));
        assertFalse(loader.accepts(renamed), "wrong extension");
        Path notZip = Files.writeString(dir.resolve("fake.th"), "not a zip archive");
        assertFalse(loader.accepts(notZip), "no zip magic");
        assertFalse(loader.accepts(dir.resolve("missing.th")));
    }

    @Test
    void metadataComesFromTheKwargs() throws PluginException {
        ModelMetadata m = loader.load(model, Options.NONE).metadata();
        assertEquals("htdemucs", m.architecture());
        assertEquals(golden.sources(), m.sources());
        assertEquals(44100, m.sampleRate());
        assertEquals(2, m.audioChannels());
        assertEquals(22050, m.segmentSamples());
        assertEquals(4096, m.nfft());
        assertEquals(1024, m.hop());
        assertEquals(22, m.frames());
        assertEquals("1/2", m.hyperParameters().get("segment"));
        assertEquals("96", m.hyperParameters().get("bottom_channels"));
        assertEquals("8", m.hyperParameters().get("channels"));
        assertEquals("2", m.hyperParameters().get("growth"), "a default filled in");
    }

    @Test
    void fullGraphHasTheCanonicalBoundary() throws PluginException {
        Graph g = loader.load(model, Options.NONE).graph();
        assertEquals(List.of("mix"), g.inputNames());
        assertEquals(TensorType.f32(1, 2, 22050), g.input("mix").type());
        assertEquals(List.of("output"), List.copyOf(g.outputs().keySet()));
        assertEquals(TensorType.f32(1, 6, 2, 22050), g.output("output").type());
        assertEquals(1, g.opHistogram().get("stft"));
        assertEquals(1, g.opHistogram().get("istft"));
    }

    @Test
    void innerGraphOnRequest() throws PluginException {
        LoadedModel m = loader.load(model, Options.of("graph", "inner"));
        Graph g = m.graph();
        assertEquals(List.of("mix", "spec"), g.inputNames());
        assertEquals(TensorType.f32(1, 4, 2048, 22), g.input("spec").type());
        assertEquals(TensorType.f32(1, 6, 4, 2048, 22), g.output("spec_out").type());
        assertEquals(TensorType.f32(1, 6, 2, 22050), g.output("wave_out").type());
        assertFalse(g.opHistogram().containsKey("stft"));
        // every weight is a const named after its state key
        assertTrue(g.nodes().stream().anyMatch(n -> n.op().equals("const") && n.name().equals("encoder.0.conv.weight")));
        for (String layer : List.of("encoder.3", "tencoder.3", "decoder.0", "tdecoder.3")) {
            assertTrue(g.nodes().stream().map(Node::name).anyMatch(layer::equals), "layer output node " + layer);
        }
        PluginException e = assertThrows(PluginException.class, () -> loader.load(model, Options.of("graph", "middle")));
        assertTrue(e.getMessage().contains("middle"), e.getMessage());
    }

    @Test
    void parameterCountMatchesMetaJson() throws PluginException {
        assertEquals(755_308L, loader.parameterCount(model));
        assertEquals(golden.parameters(), loader.parameterCount(model));
    }

    @Test
    void unreadableFileIsAPluginException(@TempDir Path dir) throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.th"), "PK\u0003\u0004 truncated");
        PluginException e = assertThrows(PluginException.class, () -> loader.load(bad, Options.NONE));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    }
}

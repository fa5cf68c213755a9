package dev.htdemucs.separation;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InnerModelsTest {

    private static ModelRuntime runtimeAccepting(Predicate<Path> accepts) {
        return new ModelRuntime() {
            @Override public String name() { return "fake"; }
            @Override public String description() { return "accepts what the test says"; }
            @Override public boolean accepts(Path modelFile) { return accepts.test(modelFile); }
            @Override public Session open(Path modelFile, Options options) throws PluginException {
                throw new PluginException("not opened in this test");
            }
            @Override public Session open(Graph graph, Options options) throws PluginException {
                throw new PluginException("not opened in this test");
            }
        };
    }

    /** The runtime's accepts decides, not the file's suffix. */
    @Test
    void aFileIsOpenedAsItIsExactlyWhenTheRuntimeAcceptsIt() {
        assertTrue(InnerModels.opensFile(runtimeAccepting(p -> true), Path.of("model.th")));
        assertFalse(InnerModels.opensFile(runtimeAccepting(p -> false), Path.of("inner.onnx")));
    }

    @Test
    void onlyAGraphWithTheHostsStftOrIstftIsCut() throws PluginException {
        GraphBuilder g = new GraphBuilder("inner");
        Value mix = g.input(InnerNetwork.MIX, TensorType.f32(1, 2, 64));
        Graph inner = g.output(InnerNetwork.WAVE_OUT, g.op("sqrt", "root", null, mix)).build();
        assertFalse(InnerModels.hasHostBoundary(inner));
        LoadedModel model = new LoadedModel(inner, new ModelMetadata("htdemucs", List.of("drums"), 44100, 2, 64, 16, 4, Map.of()));
        assertSame(model, InnerModels.inner(Plugins.discover(List.of()), model), "an inner network stays as it is");

        GraphBuilder f = new GraphBuilder("full");
        Value m = f.input(InnerNetwork.MIX, TensorType.f32(1, 2, 64));
        Graph full = f.output("spec", f.op("stft", "stft", Attributes.of("n_fft", 16, "hop", 4), m)).build();
        assertTrue(InnerModels.hasHostBoundary(full));
    }
}

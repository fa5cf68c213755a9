package dev.htdemucs.onnx;

import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny6 checkpoint built into IR by backend-pytorch ({@code demucs-checkpoint}), cut with
 * {@code extract-inner}, exported by our emitter and run in ONNX Runtime, against PyTorch's golden outputs.
 */
class OnnxCheckpointExportTest {
    /** ONNX Runtime on our export vs PyTorch (golden): max abs error relative to the golden peak. */
    static final double ORT_VS_GOLDEN = 1e-4;

    static LoadedModel inner;

    @BeforeAll
    static void build() throws Exception {
        Plugins plugins = Plugins.fromClassPath();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(InnerCases.tiny6().file("model.th"), Options.NONE);
        inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
    }

    @Test
    void exportRunsInOnnxRuntimeLikePyTorch(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny6_inner.onnx");
        var result = new OnnxEmitter().emit(inner, out, Options.NONE);
        System.out.println("checkpoint export: " + result.summary() + " " + result.opCounts());
        try (Session s = InnerCases.runtime("onnxruntime").open(out, Options.NONE)) {
            for (String caseName : InnerCases.CASES) {
                InnerCases.assertClose("ORT(checkpoint export) vs golden " + caseName, InnerCases.golden(caseName),
                        s.run(InnerCases.inputs(caseName)), ORT_VS_GOLDEN);
            }
        }
        OnnxChecker.check(out);
    }

    @Test
    void exportCarriesWhatAHostNeeds(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tiny6_inner.onnx");
        new OnnxEmitter().emit(inner, out, Options.NONE);
        ModelProto m = OnnxModelLoader.parse(out);
        Map<String, String> props = new HashMap<>();
        for (StringStringEntryProto e : m.getMetadataPropsList()) props.put(e.getKey(), e.getValue());
        assertEquals(String.join(",", InnerCases.tiny6().sources()), props.get("sources"));
        assertEquals("44100", props.get("samplerate"));
        assertEquals("22050", props.get("segment_samples"));
        assertEquals("4096", props.get("nfft"));
        assertEquals("1024", props.get("hop"));
        assertTrue(props.get("stft.window").contains("hann") && props.get("stft.window").contains("periodic"), props.get("stft.window"));
        assertTrue(props.get("stft.demucs_spec_padding").contains("1536"), props.get("stft.demucs_spec_padding"));
        assertEquals(17, m.getOpsetImport(0).getVersion());
        assertEquals(8, m.getIrVersion());
        // The file reads back with the same metadata, so a host or this toolkit can drive it.
        LoadedModel back = new OnnxModelLoader().load(out, Options.NONE);
        assertEquals(inner.metadata().sources(), back.metadata().sources());
        assertEquals(inner.metadata().segmentSamples(), back.metadata().segmentSamples());
        assertEquals(inner.metadata().hyperParameters(), back.metadata().hyperParameters());
    }
}

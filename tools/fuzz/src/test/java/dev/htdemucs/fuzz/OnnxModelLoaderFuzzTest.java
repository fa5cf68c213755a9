package dev.htdemucs.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.htdemucs.onnx.OnnxModelLoader;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;

/**
 * Fuzzes the {@code onnx} model loader on whole files: protobuf parsing, initializers, import-time
 * constant folding and op import. Every input loads into a sane graph or ends in a {@link PluginException}.
 */
class OnnxModelLoaderFuzzTest {
    private static final ScratchFile FILE = ScratchFile.create(".onnx");
    private static final OnnxModelLoader LOADER = new OnnxModelLoader();

    @FuzzTest(maxDuration = "10m")
    void onnxModel(byte[] model) throws IOException {
        LoadedModel loaded;
        try {
            loaded = LOADER.load(FILE.write(model), Options.NONE);
        } catch (PluginException rejected) {
            ReaderContract.requireDeliberateRejection(rejected);
            return;
        }
        ReaderContract.requireSaneGraph(loaded.graph());
    }
}

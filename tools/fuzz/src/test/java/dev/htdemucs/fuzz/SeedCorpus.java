package dev.htdemucs.fuzz;

import dev.htdemucs.fuzz.TorchCheckpoints.TensorView;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The generated part of the seed corpus: small valid inputs for each fuzz target, by path under
 * {@code src/test/resources/dev/htdemucs/fuzz}. {@link SeedCorpusTest} checks the committed files
 * match {@link #generated()} and that every seed loads; {@code -Dfuzz.writeSeeds=true} rewrites them.
 * {@link #emitted} seeds come from our own ONNX and Core ML emitters, whose output may change as they
 * evolve, so they are only checked to load. Seeds written by other tools (CPython's pickler) are
 * committed as they are and listed in the README.
 */
final class SeedCorpus {
    static final String CHECKPOINT_FILES = "CheckpointFuzzTestInputs/checkpointFile/";
    static final String CHECKPOINT_PICKLES = "CheckpointFuzzTestInputs/checkpointPickle/";
    static final String PICKLES = "SafeUnpicklerFuzzTestInputs/unpickle/";
    static final String WAVS = "WavReaderFuzzTestInputs/readWav/";
    static final String ONNX = "OnnxModelLoaderFuzzTestInputs/onnxModel/";
    static final String MLMODELS = "MLPackageReaderFuzzTestInputs/modelSpec/";
    static final String WEIGHT_BLOBS = "MLPackageReaderFuzzTestInputs/weightBlob/";
    /** The valid package the .mlpackage targets put their fuzzed file into. */
    static final String TINY_PACKAGE = "tiny.mlpackage/";
    static final String PACKAGE_MODEL = "Data/com.apple.CoreML/model.mlmodel";
    static final String PACKAGE_WEIGHTS = "Data/com.apple.CoreML/weights/weight.bin";

    private SeedCorpus() {
    }

    /**
     * State views for the pickle target's fixed archive (storages "0" and "1" of 64 stored bytes, "2" of 64
     * deflated bytes): a weight, its transpose sharing the storage, an offset vector, a stride-0 expansion
     * and a scalar.
     */
    static List<TensorView> pickleTargetViews() {
        return List.of(
                new TensorView("encoder.0.conv.weight", "HalfStorage", "0", 32, 0, new long[] {2, 3}, new long[] {3, 1}),
                new TensorView("encoder.0.conv.weight_t", "HalfStorage", "0", 32, 4, new long[] {3, 2}, new long[] {1, 3}),
                new TensorView("encoder.0.conv.bias", "FloatStorage", "1", 16, 2, new long[] {4}, new long[] {1}),
                new TensorView("freq_emb.scale", "FloatStorage", "1", 16, 0, new long[] {2, 3}, new long[] {0, 1}),
                new TensorView("steps", "LongStorage", "2", 8, 7, new long[0], new long[0]));
    }

    /** ONNX and .mlpackage seeds, written by our emitters into {@code tmp} first. */
    static Map<String, byte[]> emitted(java.nio.file.Path tmp) throws java.io.IOException, dev.htdemucs.spi.PluginException {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        seeds.put(ONNX + "mixed_ops.onnx", OnnxModels.emittedMixedOps(tmp));
        seeds.put(ONNX + "shape_folding.onnx", OnnxModels.shapeFolding().toByteArray());
        java.nio.file.Path pkg = tmp.resolve("tiny.mlpackage");
        new dev.htdemucs.coreml.CoreMLEmitter().emit(TinyModels.mixedOps().withGraph(dev.htdemucs.precision.PrecisionCasts.apply(
                TinyModels.mixedOps().graph(), dev.htdemucs.spi.PrecisionPlan.uniform(dev.htdemucs.spi.Precision.FP16))), pkg, dev.htdemucs.spi.Options.NONE);
        byte[] model = java.nio.file.Files.readAllBytes(pkg.resolve(PACKAGE_MODEL));
        byte[] weights = java.nio.file.Files.readAllBytes(pkg.resolve(PACKAGE_WEIGHTS));
        seeds.put(TINY_PACKAGE + "Manifest.json", java.nio.file.Files.readAllBytes(pkg.resolve("Manifest.json")));
        seeds.put(TINY_PACKAGE + PACKAGE_MODEL, model);
        seeds.put(TINY_PACKAGE + PACKAGE_WEIGHTS, weights);
        seeds.put(MLMODELS + "tiny_fp16.mlmodel", model);
        seeds.put(WEIGHT_BLOBS + "tiny_fp16_weight.bin", weights);
        return seeds;
    }

    static Map<String, byte[]> generated() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        List<TensorView> two = TorchCheckpoints.twoTensors();
        byte[] twoPickle = TorchCheckpoints.demucsPackage(two);
        Map<String, byte[]> twoStorages = TorchCheckpoints.storagesFor(two);
        seeds.put(CHECKPOINT_FILES + "tiny_torch_aligned.th", TorchCheckpoints.checkpoint(two));
        seeds.put(CHECKPOINT_FILES + "tiny_zip64.th",
                TorchCheckpoints.archive("archive/", twoPickle, twoStorages, false).zip64().toByteArray());
        seeds.put(CHECKPOINT_FILES + "tiny_deflated.th",
                TorchCheckpoints.archive("model/", twoPickle, twoStorages, true).toByteArray());

        byte[] views = TorchCheckpoints.demucsPackage(pickleTargetViews());
        seeds.put(CHECKPOINT_PICKLES + "package_five_views.pkl", views);
        // no tensors: the unpickler target has no storages to rebuild them from
        seeds.put(PICKLES + "package_no_tensors.pkl", TorchCheckpoints.demucsPackage(List.of()));

        seeds.put(WAVS + "pcm8_mono.wav", WavFiles.simple(WavFiles.PCM, 1, 8, 9));
        seeds.put(WAVS + "pcm16_stereo.wav", WavFiles.simple(WavFiles.PCM, 2, 16, 8));
        seeds.put(WAVS + "pcm24_stereo.wav", WavFiles.simple(WavFiles.PCM, 2, 24, 5));
        seeds.put(WAVS + "pcm32_mono.wav", WavFiles.simple(WavFiles.PCM, 1, 32, 6));
        seeds.put(WAVS + "float32_stereo.wav", WavFiles.simple(WavFiles.IEEE_FLOAT, 2, 32, 4));
        seeds.put(WAVS + "float64_mono.wav", WavFiles.simple(WavFiles.IEEE_FLOAT, 1, 64, 4));
        seeds.put(WAVS + "extensible_pcm16_stereo.wav", WavFiles.riff(
                "fmt ", WavFiles.fmt(WavFiles.EXTENSIBLE, 2, 48000, 16, WavFiles.PCM),
                "data", WavFiles.samples(2, 16, false, 6)));
        seeds.put(WAVS + "extensible_float32_mono.wav", WavFiles.riff(
                "fmt ", WavFiles.fmt(WavFiles.EXTENSIBLE, 1, 48000, 32, WavFiles.IEEE_FLOAT),
                "data", WavFiles.samples(1, 32, true, 6)));
        // data before fmt, an odd-sized LIST chunk with its pad byte, an odd-sized 8-bit data chunk
        seeds.put(WAVS + "chunks_data_first_odd_list.wav", WavFiles.riff(
                "LIST", "INFOISFT\3\0\0\0ab\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                "data", WavFiles.samples(1, 8, false, 7),
                "fmt ", WavFiles.fmt(WavFiles.PCM, 1, 22050, 8, 0)));
        // a longer file, so the fuzzer's length limit starts above the tiny seeds' 92 bytes
        seeds.put(WAVS + "pcm16_stereo_1000_frames.wav", WavFiles.simple(WavFiles.PCM, 2, 16, 1000));
        seeds.putAll(Findings.regressionInputs());
        return seeds;
    }
}

package dev.htdemucs.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.WavReader;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.onnx.OnnxModelLoader;
import dev.htdemucs.pytorch.checkpoint.Checkpoint;
import dev.htdemucs.pytorch.checkpoint.SafeUnpickler;
import dev.htdemucs.pytorch.checkpoint.StoredTensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed corpus is only useful if its inputs are valid: fuzzing then starts deep inside the readers
 * instead of at their first check. This test opens every seed and checks what it holds, and checks the
 * committed generated seeds are what {@link SeedCorpus} builds. {@code -Dfuzz.writeSeeds=true}
 * rewrites them under {@code src/test/resources} first.
 */
class SeedCorpusTest {
    private static final String RESOURCES = "dev/htdemucs/fuzz/";

    @TempDir
    Path tmp;

    @Test
    void committedSeedsAreTheGeneratedOnes() throws IOException, PluginException {
        Map<String, byte[]> seeds = SeedCorpus.generated();
        if (Boolean.getBoolean("fuzz.writeSeeds")) {
            Map<String, byte[]> all = new java.util.LinkedHashMap<>(seeds);
            all.putAll(SeedCorpus.emitted(tmp));
            Path root = Path.of("src/test/resources", RESOURCES);
            for (Map.Entry<String, byte[]> seed : all.entrySet()) {
                Path file = root.resolve(seed.getKey());
                Files.createDirectories(file.getParent());
                Files.write(file, seed.getValue());
            }
            return;
        }
        for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
            assertArrayEquals(seed.getValue(), resource(seed.getKey()),
                    seed.getKey() + " differs from what SeedCorpus builds; rerun with -Dfuzz.writeSeeds=true");
        }
    }

    @Test
    void checkpointFileSeedsOpenWithBothTensors() throws IOException {
        for (String name : List.of("tiny_torch_aligned.th", "tiny_zip64.th", "tiny_deflated.th")) {
            Path file = Files.write(tmp.resolve(name), resource(SeedCorpus.CHECKPOINT_FILES + name));
            Checkpoint checkpoint = Checkpoint.open(file);
            assertEquals("demucs.htdemucs.HTDemucs", checkpoint.klass(), name);
            assertEquals(List.of("encoder.0.conv.weight", "encoder.0.conv.bias"), List.copyOf(checkpoint.state().keySet()), name);
            assertEquals(8, checkpoint.parameterCount(), name);
            assertEquals(Long.valueOf(4), checkpoint.kwargs().get("channels"), name);
            // storage bytes are 0, 1, 2, ...: the float32 bias [2] is the bit patterns 0x03020100, 0x07060504
            float[] bias = checkpoint.tensor("encoder.0.conv.bias").toTensor().toFloatArray();
            assertArrayEquals(new float[] {Float.intBitsToFloat(0x03020100), Float.intBitsToFloat(0x07060504)}, bias, name);
        }
    }

    @Test
    void checkpointPickleSeedOpensInsideTheTargetsArchive() throws IOException {
        byte[] pickle = resource(SeedCorpus.CHECKPOINT_PICKLES + "package_five_views.pkl");
        Path file = Files.write(tmp.resolve("five.th"), CheckpointFuzzTest.archiveAround(pickle));
        Checkpoint checkpoint = Checkpoint.open(file);
        Map<String, StoredTensor> state = checkpoint.state();
        assertEquals(5, state.size());
        assertEquals(6 + 6 + 4 + 6 + 1, checkpoint.parameterCount());
        for (StoredTensor t : state.values()) {
            assertEquals(t.numel(), t.toTensor().numel(), t.name());
        }
        assertTrue(checkpoint.tensor("steps").storage().isMemoryMapped() == false, "storage 2 is deflated");
    }

    @Test
    void pickleSeedsUnpickle() throws IOException {
        for (String name : List.of("package_no_tensors.pkl", "values_protocol2.pkl", "values_protocol3.pkl",
                "values_protocol4.pkl", "values_protocol5.pkl", "numbers_protocol0.pkl", "numbers_protocol1.pkl")) {
            Object root = new SafeUnpickler(resource(SeedCorpus.PICKLES + name), "data.pkl", name, (pid, where) -> pid).load();
            assertTrue(root instanceof Map<?, ?> map && !map.isEmpty(), name + " unpickled to " + root);
        }
    }

    @Test
    void wavSeedsDecode() throws IOException, Exception {
        record Expected(String name, int channels, int frames) {
        }
        for (Expected e : List.of(new Expected("pcm8_mono.wav", 1, 9), new Expected("pcm16_stereo.wav", 2, 8),
                new Expected("pcm24_stereo.wav", 2, 5), new Expected("pcm32_mono.wav", 1, 6),
                new Expected("float32_stereo.wav", 2, 4), new Expected("float64_mono.wav", 1, 4),
                new Expected("extensible_pcm16_stereo.wav", 2, 6), new Expected("extensible_float32_mono.wav", 1, 6),
                new Expected("chunks_data_first_odd_list.wav", 1, 7), new Expected("pcm16_stereo_1000_frames.wav", 2, 1000))) {
            Path file = Files.write(tmp.resolve(e.name()), resource(SeedCorpus.WAVS + e.name()));
            Audio audio = WavReader.read(file);
            assertEquals(e.channels(), audio.channels(), e.name());
            assertEquals(e.frames(), audio.length(), e.name());
            // the ramp's first sample is sin(0) * 0.5 = 0 in channel 0
            assertEquals(0f, audio.samples()[0][0], 1f / 64, e.name());
        }
    }

    @Test
    void onnxSeedsLoad() throws IOException, PluginException {
        for (String name : List.of("mixed_ops.onnx", "shape_folding.onnx")) {
            Path file = Files.write(tmp.resolve(name), resource(SeedCorpus.ONNX + name));
            Graph graph = new OnnxModelLoader().load(file, Options.NONE).graph();
            ReaderContract.requireSaneGraph(graph);
            assertEquals(1, graph.outputs().size(), name);
        }
        Path folded = Files.write(tmp.resolve("folded.onnx"), resource(SeedCorpus.ONNX + "shape_folding.onnx"));
        Graph graph = new OnnxModelLoader().load(folded, Options.NONE).graph();
        assertArrayEquals(new int[] {1, 4}, graph.output("out").type().shape());
    }

    @Test
    void mlpackageSeedsAreThePackagesFilesAndLoad() throws IOException, PluginException {
        assertArrayEquals(resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_MODEL),
                resource(SeedCorpus.MLMODELS + "tiny_fp16.mlmodel"));
        assertArrayEquals(resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_WEIGHTS),
                resource(SeedCorpus.WEIGHT_BLOBS + "tiny_fp16_weight.bin"));
        Path pkg = tmp.resolve("tiny.mlpackage");
        for (String file : List.of("Manifest.json", SeedCorpus.PACKAGE_MODEL, SeedCorpus.PACKAGE_WEIGHTS)) {
            Files.createDirectories(pkg.resolve(file).getParent());
            Files.write(pkg.resolve(file), resource(SeedCorpus.TINY_PACKAGE + file));
        }
        Graph graph = MLPackageReader.read(pkg).model().graph();
        ReaderContract.requireSaneGraph(graph);
        assertArrayEquals(new int[] {1, 2, 48}, graph.output("out").type().shape());
    }

    static byte[] resource(String relative) throws IOException {
        try (InputStream in = SeedCorpusTest.class.getClassLoader().getResourceAsStream(RESOURCES + relative)) {
            if (in == null) {
                throw new IOException("seed " + RESOURCES + relative + " is missing; rerun with -Dfuzz.writeSeeds=true");
            }
            return in.readAllBytes();
        }
    }
}

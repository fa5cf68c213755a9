package dev.htdemucs.coreml;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Package layout, atomic writing, replacement only with force=true, clear errors, byte-for-byte determinism. */
class PackageWriteTest {
    static final PrecisionPlan FP32 = PrecisionPlan.uniform(Precision.FP32);

    static List<Path> entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void layoutAndManifestMirrorCoremltools(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("m.mlpackage");
        Emitter.EmitResult r = TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        assertTrue(Files.isRegularFile(pkg.resolve("Manifest.json")));
        assertTrue(Files.isRegularFile(pkg.resolve("Data/com.apple.CoreML/model.mlmodel")));
        assertTrue(Files.isRegularFile(pkg.resolve("Data/com.apple.CoreML/weights/weight.bin")));
        JsonNode m = new ObjectMapper().readTree(pkg.resolve("Manifest.json").toFile());
        assertEquals("1.0.0", m.get("fileFormatVersion").asText());
        JsonNode root = m.get("itemInfoEntries").get(m.get("rootModelIdentifier").asText());
        assertEquals("com.apple.CoreML/model.mlmodel", root.get("path").asText());
        assertEquals("model.mlmodel", root.get("name").asText());
        assertEquals("com.apple.CoreML", root.get("author").asText());
        assertEquals("CoreML Model Specification", root.get("description").asText());
        assertEquals(2, m.get("itemInfoEntries").size());
        JsonNode golden = new ObjectMapper().readTree(dev.htdemucs.golden.Golden.tiny6()
                .file("coremltools_fp16.mlpackage/Manifest.json").toFile());
        assertEquals(fieldNames(golden), fieldNames(m), "same top-level keys as coremltools' manifest");
        assertEquals(entries(dir), List.of(pkg), "no temporary directory left beside the package");
        assertEquals(r.bytes(), PackageDirectory.size(pkg));
        assertTrue(r.opCounts().get("conv") == 2 && r.opCounts().get("layer_norm") == 2, r.opCounts().toString());
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void existingTargetIsKeptWithoutForceAndReplacedWithForce(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("m.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        String before = TestSupport.sha256(MLPackageLayout.model(pkg));

        Graph other = OpCases.all().get(0).graph();
        PluginException e = assertThrows(PluginException.class, () -> TestSupport.emit(other, FP32, pkg, Options.NONE));
        assertTrue(e.getMessage().contains("already exists") && e.getMessage().contains("force=true"), e.getMessage());
        assertEquals(before, TestSupport.sha256(MLPackageLayout.model(pkg)), "untouched without force");
        assertEquals(List.of(pkg), entries(dir));

        TestSupport.emit(other, FP32, pkg, Options.of("force", "true"));
        assertNotEquals(before, TestSupport.sha256(MLPackageLayout.model(pkg)), "replaced with force");
        assertEquals(List.of(pkg), entries(dir), "old package and temporary directory removed");
    }

    @Test
    void failureWhileWritingLeavesNothing(@TempDir Path dir) throws Exception {
        // a conv whose weight is computed and dilated: valid IR, but MIL needs a constant weight to dilate;
        // the weight blob writing has already started when the lowering fails
        GraphBuilder b = new GraphBuilder("bad");
        Value x = b.input("x", TestSupport.f32(1, 2, 10));
        Value w = b.op("relu", "w", null, b.input("w", TestSupport.f32(3, 2, 3)));
        Value big = b.op("linear", "big", null, b.input("v", TestSupport.f32(1, 16)),
                b.constant("bw", TestSupport.randn(new Random(1), 1f, 16, 16)));
        b.output("y", b.op("conv", "conv", Attributes.of("dilations", new int[]{2}), x, w));
        b.output("z", big);
        Path pkg = dir.resolve("bad.mlpackage");
        PluginException e = assertThrows(PluginException.class, () -> TestSupport.emit(b.build(), FP32, pkg, Options.NONE));
        assertTrue(e.getMessage().contains("node conv") && e.getMessage().contains("constant weight"), e.getMessage());
        assertEquals(List.of(), entries(dir), "neither the package nor a temporary directory exists");

        // the same failure with force=true must leave an existing package in place
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        String before = TestSupport.sha256(MLPackageLayout.model(pkg));
        assertThrows(PluginException.class, () -> TestSupport.emit(b.build(), FP32, pkg, Options.of("force", "true")));
        assertEquals(before, TestSupport.sha256(MLPackageLayout.model(pkg)));
        assertEquals(List.of(pkg), entries(dir));
    }

    @Test
    void hostSideOpsAskForExtractInner(@TempDir Path dir) {
        GraphBuilder b = new GraphBuilder("full");
        Value mix = b.input("mix", TestSupport.f32(1, 2, 4096));
        b.output("spec", b.op("stft", "stft", Attributes.of("n_fft", 1024, "hop", 256), mix));
        PluginException e = assertThrows(PluginException.class,
                () -> TestSupport.emit(b.build(), FP32, dir.resolve("full.mlpackage"), Options.NONE));
        assertTrue(e.getMessage().contains("run the extract-inner pass first"), e.getMessage());
        assertTrue(e.getMessage().contains("stft"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("full.mlpackage")));
    }

    @Test
    void unknownTargetIsRefused(@TempDir Path dir) {
        PluginException e = assertThrows(PluginException.class,
                () -> TestSupport.emit(OpCases.kitchenSink(), FP32, dir.resolve("m.mlpackage"), Options.of("target", "ios16")));
        assertTrue(e.getMessage().contains("ios16") && e.getMessage().contains("ios17"), e.getMessage());
    }

    /** Same graph, plan and options → identical bytes (no timestamps, no random identifiers). */
    @Test
    void emittingTwiceGivesIdenticalBytes(@TempDir Path dir) throws Exception {
        Graph g = OpCases.kitchenSink();
        for (String precision : new String[]{"fp32", "mixed"}) {
            PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, precision)
                    .select(new dev.htdemucs.spi.LoadedModel(g, TestSupport.NO_METADATA), Options.NONE);
            Path a = dir.resolve("a_" + precision + ".mlpackage"), b = dir.resolve("b_" + precision + ".mlpackage");
            TestSupport.emit(g, plan, a, Options.NONE);
            TestSupport.emit(OpCases.kitchenSink(), plan, b, Options.NONE);
            for (String f : new String[]{"Manifest.json", "Data/com.apple.CoreML/model.mlmodel", "Data/com.apple.CoreML/weights/weight.bin"}) {
                assertEquals(TestSupport.sha256(a.resolve(f)), TestSupport.sha256(b.resolve(f)), precision + " " + f);
            }
            System.out.println("deterministic " + precision + ": model.mlmodel sha256 " + TestSupport.sha256(MLPackageLayout.model(a)));
        }
    }
}

package dev.htdemucs.cli;

import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.testsupport.CoreMLChecker;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plugin op end to end, from the example jar in a plugin directory (its classes are not on this module's
 * class path: the op, its kernel and its MIL mapping are found through the plugin class loader only).
 * {@code convert --passes +insert-layer-scale} replaces tiny6's 32 DConv LayerScale muls by the plugin op
 * {@code layer_scale}, lowered to MIL {@code batch_norm}; the package reads back with {@code layer_scale}
 * (not as primitives), passes the coremltools checker when installed, and computes the same numbers as the
 * package without the pass.
 *
 * <p>Tolerance: none — outputs must be bit-identical, on {@code coreml-reference} (the mixed-precision
 * packages, fp16 emulated) and on {@code reference} (the fp32 IR), because layer_scale computes the same
 * float32 products as the mul it replaces (x · 1 / sqrt(1 + 0) in batch_norm's terms) and keeps its
 * precision (fp16 under mixed, like mul).
 */
class PluginJarOpEndToEndTest {
    private static final int TINY6_DCONV_LAYER_SCALES = 32;
    private static final String CASE = "synth_song";

    @Test
    void convertedPackageUsesThePluginOpsMilLoweringAndComputesTheSameBits(@TempDir Path tmp) throws Exception {
        Path dir = PluginJarEndToEndTest.pluginDir(tmp);
        Path plain = tmp.resolve("plain.mlpackage"), withOp = tmp.resolve("layer_scale.mlpackage");
        CliRunner.Result a = CliRunner.run("convert", "--plugin-path", dir.toString(), "--out", plain.toString());
        assertEquals(0, a.exitCode(), a.err());
        CliRunner.Result b = CliRunner.run("convert", "--plugin-path", dir.toString(), "--passes", "+insert-layer-scale",
                "--out", withOp.toString());
        assertEquals(0, b.exitCode(), b.err());
        assertTrue(b.err().contains("pass insert-layer-scale"), b.err());

        // the package holds the op's MIL lowering: one batch_norm per LayerScale, in place of a mul
        int batchNorms = PluginJarEndToEndTest.opCount(b.out(), "batch_norm");
        System.out.printf("tiny6 mixed: mul %d -> %d, batch_norm %d; %s%n", PluginJarEndToEndTest.opCount(a.out(), "mul"),
                PluginJarEndToEndTest.opCount(b.out(), "mul"), batchNorms,
                b.out().lines().filter(l -> l.startsWith("precision:")).findFirst().orElse(""));
        assertEquals(TINY6_DCONV_LAYER_SCALES, batchNorms);
        assertEquals(PluginJarEndToEndTest.opCount(a.out(), "mul") - TINY6_DCONV_LAYER_SCALES, PluginJarEndToEndTest.opCount(b.out(), "mul"));
        assertEquals(precisionLine(a.out()), precisionLine(b.out()), "layer_scale computes in the precision the mul did");
        Plugins plugins = Plugins.discover(List.of(dir));
        Mil.Block block = main(MLPackageReader.read(withOp, plugins).specification());
        assertEquals(TINY6_DCONV_LAYER_SCALES, block.getOperationsList().stream().filter(op -> op.getType().equals("batch_norm")).count());

        // read back through the plugin's mapping: the IR op, from the jar
        Graph read = plugins.get(ModelLoader.class, "mlpackage").load(withOp, Options.NONE).graph();
        assertEquals(TINY6_DCONV_LAYER_SCALES, read.opHistogram().getOrDefault("layer_scale", 0), "batch_norm reads back as layer_scale");
        String opJar = read.ops().get("layer_scale").getClass().getProtectionDomain().getCodeSource().getLocation().getPath();
        assertTrue(opJar.startsWith(dir.toString()), "layer_scale comes from the plugin directory, not the class path: " + opJar);

        // the packages on coreml-reference (mixed precision, fp16 emulated): the same bits
        String inputs = Golden.tiny6().file(CASE + "/mix.npy") + "," + Golden.tiny6().file(CASE + "/spec.npy");
        for (Path pkg : List.of(plain, withOp)) {
            CliRunner.Result r = CliRunner.run("run", "--plugin-path", dir.toString(), "--runtime", "coreml-reference", "--model", pkg.toString(),
                    "--input", inputs, "--out", tmp.resolve("run-" + pkg.getFileName()).toString());
            assertEquals(0, r.exitCode(), r.err());
        }
        for (String output : List.of("spec_out", "wave_out")) {
            Path x = tmp.resolve("run-" + plain.getFileName()).resolve(output + ".npy");
            Path y = tmp.resolve("run-" + withOp.getFileName()).resolve(output + ".npy");
            long mismatch = Files.mismatch(x, y);
            System.out.printf("coreml-reference %s %s: %s%n", CASE, output, mismatch < 0 ? "bit-identical with and without the pass"
                    : "differs from byte " + mismatch);
            assertEquals(-1L, mismatch, output + " of the package with layer_scale differs from the package without it");
        }
        checkWithCoremltools(withOp); // last: skips (the rest has run) when the checker is not installed
    }

    @Test
    void theIrWithThePluginOpRunsOnTheReferenceRuntimeWithTheSameBits(@TempDir Path tmp) throws Exception {
        Plugins plugins = Plugins.discover(List.of(PluginJarEndToEndTest.pluginDir(tmp)));
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(Golden.tiny6().file("model.th"), Options.NONE);
        LoadedModel inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
        LoadedModel withOp = plugins.get(GraphPass.class, "insert-layer-scale").apply(inner, Options.NONE);
        assertEquals(TINY6_DCONV_LAYER_SCALES, withOp.graph().opHistogram().getOrDefault("layer_scale", 0));
        // a built-in pass after the plugin's copies the plugin op along (the graph carries its ops)
        LoadedModel lowered = plugins.get(GraphPass.class, "lower-glu").apply(withOp, Options.NONE);
        assertEquals(TINY6_DCONV_LAYER_SCALES, lowered.graph().opHistogram().getOrDefault("layer_scale", 0));

        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (String name : List.of("mix", "spec")) {
            NpyArray arr = Golden.tiny6().npy(CASE + "/" + name + ".npy");
            feed.put(name, Tensor.ofFloats(arr.shape(), arr.data()));
        }
        ModelRuntime reference = plugins.get(ModelRuntime.class, "reference");
        Map<String, Tensor> want, got;
        try (Session s = reference.open(inner.graph(), Options.NONE)) { want = s.run(feed); }
        try (Session s = reference.open(withOp.graph(), Options.NONE)) { got = s.run(feed); }
        for (String output : List.of("spec_out", "wave_out")) {
            assertArrayEquals(want.get(output).toFloatArray(), got.get(output).toFloatArray(), 0f,
                    "reference " + output + " with layer_scale (fp32 IR)");
        }
        System.out.printf("reference %s: spec_out and wave_out bit-identical with and without insert-layer-scale (fp32 IR)%n", CASE);
    }

    private static String precisionLine(String out) {
        return out.lines().filter(l -> l.startsWith("precision:")).findFirst().orElseThrow();
    }

    private static Mil.Block block(Mil.Function f) { return f.getBlockSpecializationsOrThrow(f.getOpset()); }

    private static Mil.Block main(dev.htdemucs.coreml.proto.MlModel.Model spec) {
        return block(spec.getMlProgram().getFunctionsOrThrow("main"));
    }

    /** The independent checker (coremltools' MIL loader re-running type inference on every op, batch_norm included). */
    private static void checkWithCoremltools(Path pkg) throws IOException, InterruptedException {
        CoreMLChecker.Result r = CoreMLChecker.check(pkg);
        assertEquals(0, r.exitCode(), "coreml-check rejects the package with batch_norm:\n" + r.output());
    }
}

package dev.htdemucs.coreml;

import dev.htdemucs.testsupport.CoreMLChecker;
import dev.htdemucs.coreml.read.MLPackage;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key acceptance test: the tiny6 golden checkpoint, cut to its inner network, emitted as an fp32
 * package, read back and run, reproduces PyTorch's spec_out and wave_out.
 * Tolerance (stated up front): max |error| ≤ 1e-4 × peak |golden| per output, for white_noise and synth_song.
 */
class Tiny6PackageTest {
    static final double TOLERANCE = 1e-4;
    static final double FP16_TOLERANCE = 5e-3;
    static final String[] CASES = {"white_noise", "synth_song"};

    static LoadedModel inner;

    @BeforeAll
    static void loadInner() throws Exception {
        GoldenSet tiny6 = Golden.tiny6();
        var plugins = TestSupport.plugins();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(tiny6.file("model.th"), Options.NONE);
        inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
    }

    static Map<String, Tensor> inputs(GoldenSet set, String c) {
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (String name : new String[]{"mix", "spec"}) {
            NpyArray a = set.npy(c + "/" + name + ".npy");
            in.put(name, Tensor.ofFloats(a.shape(), a.data()));
        }
        return in;
    }

    static double[] errors(GoldenSet set, String c, Map<String, Tensor> out) {
        double[] e = new double[2];
        String[] names = {"spec_out", "wave_out"};
        for (int i = 0; i < 2; i++) {
            NpyArray golden = set.npy(c + "/" + names[i] + ".npy");
            e[i] = TestSupport.relativeError(Tensor.ofFloats(golden.shape(), golden.data()), out.get(names[i]));
        }
        return e;
    }

    @Test
    void fp32PackageMatchesGolden(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("tiny6_fp32.mlpackage");
        Emitter.EmitResult r = new CoreMLEmitter().emit(TestSupport.withCasts(inner, PrecisionPlan.uniform(dev.htdemucs.spi.Precision.FP32)), pkg, Options.NONE);
        System.out.println(r.summary());
        MLPackage read = MLPackageReader.read(pkg);
        assertEquals(inner.metadata(), read.model().metadata(), "metadata survives the package's userDefined entries");
        Map<String, String> user = read.metadata().getUserDefinedMap();
        assertEquals("drums,bass,other,vocals,guitar,piano", user.get(MetadataKeys.SOURCES));
        assertEquals("44100", user.get(MetadataKeys.SAMPLE_RATE));
        assertEquals("22050", user.get(MetadataKeys.SEGMENT_SAMPLES));
        assertEquals("4096", user.get(MetadataKeys.NFFT));
        assertEquals("1024", user.get(MetadataKeys.HOP));
        assertEquals(ConverterVersion.NAME, user.get(MetadataKeys.CONVERTER));
        assertTrue(user.get(MetadataKeys.STFT).contains("hop_length=1024"), user.get(MetadataKeys.STFT));
        assertEquals(ModelDescriptions.DEFAULT_AUTHOR, read.metadata().getAuthor());
        assertEquals("CoreML7", read.opset());
        assertEquals(8, read.specificationVersion());
        for (String c : CASES) {
            Map<String, Tensor> out = TestSupport.runPackage(pkg, inputs(Golden.tiny6(), c));
            double[] e = errors(Golden.tiny6(), c, out);
            System.out.printf("tiny6 fp32 package %s: spec_out %.3e, wave_out %.3e (x peak)%n", c, e[0], e[1]);
            assertTrue(e[0] <= TOLERANCE, c + " spec_out error " + e[0] + " x peak > " + TOLERANCE);
            assertTrue(e[1] <= TOLERANCE, c + " wave_out error " + e[1] + " x peak > " + TOLERANCE);
        }
    }

    /** fp32, fp16 and mixed packages of tiny6 pass Apple's own loader and MIL type inference (coreml-check). */
    @Test
    void checkerAcceptsFp32Fp16AndMixedPackages(@TempDir Path dir) throws Exception {
        CoreMLChecker.require();
        Path keep = System.getProperty("coreml.keep") != null ? Path.of(System.getProperty("coreml.keep")) : dir;
        for (String precision : new String[]{"fp32", "fp16", "mixed"}) {
            PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, precision).select(inner, Options.NONE);
            Path pkg = keep.resolve("tiny6_" + precision + ".mlpackage");
            Emitter.EmitResult r = new CoreMLEmitter().emit(TestSupport.withCasts(inner, plan), pkg, Options.of("force", "true"));
            System.out.println(r.summary());
            CoreMLChecker.Result check = CoreMLChecker.check(pkg);
            assertEquals(0, check.exitCode(), precision + " package rejected by coreml-check:\n" + check.output());
            assertTrue(check.lastLine().startsWith("OK"), check.output());
        }
    }

    /**
     * fp16 and mixed packages, run with fp16 rounding where they compute in fp16, stay close to PyTorch.
     * Tolerance (stated up front): max |error| ≤ 5e-3 × peak |golden| (measured about 1.5e-3).
     */
    @Test
    void fp16AndMixedPackagesStayCloseToGolden(@TempDir Path dir) throws Exception {
        for (String precision : new String[]{"fp16", "mixed"}) {
            PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, precision).select(inner, Options.NONE);
            Path pkg = dir.resolve("tiny6_" + precision + ".mlpackage");
            new CoreMLEmitter().emit(TestSupport.withCasts(inner, plan), pkg, Options.NONE);
            for (String c : CASES) {
                double[] e = errors(Golden.tiny6(), c, TestSupport.runPackage(pkg, inputs(Golden.tiny6(), c)));
                System.out.printf("tiny6 %s package %s: spec_out %.3e, wave_out %.3e (x peak)%n", precision, c, e[0], e[1]);
                assertTrue(e[0] <= FP16_TOLERANCE && e[1] <= FP16_TOLERANCE,
                        precision + " " + c + ": errors " + e[0] + ", " + e[1] + " x peak > " + FP16_TOLERANCE);
            }
        }
    }

    /**
     * What coreml-reference computes from the fp16 and mixed packages of tiny6 on synth_song, bit for bit: the
     * SHA-256 of each output's float32 little-endian bytes as main c5e6bcc computed them, when the runtime
     * turned a package into an fp32 graph plus a plan and emulated fp16 by rounding the plan's ops
     * ({@code Fp16Emulation}). Now the reference runtime runs the package's graph as it is (fp16 constants,
     * casts, fp16 ops) and rounds at the dtypes it declares: the same rounding points, the same bits.
     */
    @Test
    void fp16AndMixedPackagesRunBitForBitAsThePlanEmulationDid(@TempDir Path dir) throws Exception {
        Map<String, String> expected = Map.of(
                "fp16 spec_out", "cb4a5a88c759cf7b393408ed400ab5fb5c2ac277e0f6ef9b1930f988496e0c0b",
                "fp16 wave_out", "2cc57d68388385da1380a7d03ed5a422ee840e10eaedb76eec591a2cbcfde60b",
                "mixed spec_out", "c9329fc57134fbe2f443ee84bb9aaa3e42bd2b442cfad90e6bf7580aa64f061f",
                "mixed wave_out", "0049fe3078aa57b0e4f219b8334abcb407870e11d96859a693cf1747ea0fe901");
        for (String precision : new String[]{"fp16", "mixed"}) {
            PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, precision).select(inner, Options.NONE);
            Path pkg = dir.resolve("tiny6_" + precision + ".mlpackage");
            new CoreMLEmitter().emit(TestSupport.withCasts(inner, plan), pkg, Options.NONE);
            Map<String, Tensor> out = TestSupport.runPackage(pkg, inputs(Golden.tiny6(), "synth_song"));
            for (String name : new String[]{"spec_out", "wave_out"}) {
                String key = precision + " " + name;
                assertEquals(expected.get(key), sha256(out.get(name)), key);
            }
        }
    }

    private static String sha256(Tensor t) throws Exception {
        java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * t.toFloatArray().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : t.toFloatArray()) b.putFloat(f);
        md.update(b.array());
        return java.util.HexFormat.of().formatHex(md.digest());
    }
}

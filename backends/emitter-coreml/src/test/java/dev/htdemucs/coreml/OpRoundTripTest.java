package dev.htdemucs.coreml;

import dev.htdemucs.coreml.read.MLPackage;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every op (and every lowering path) survives emit → read → run: the package run on the reference runtime
 * equals the IR graph run directly. Tolerance, fp32: max |difference| ≤ 1e-6 × peak |expected| per output.
 */
class OpRoundTripTest {
    static final double TOLERANCE = 1e-6;

    static List<OpCases.Case> cases() { return OpCases.all(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void fp32PackageComputesWhatTheGraphComputes(OpCases.Case c, @TempDir Path dir) throws Exception {
        Path pkg = dir.resolve(c.name() + ".mlpackage");
        PrecisionPlan fp32 = PrecisionPlan.uniform(Precision.FP32);
        TestSupport.emit(c.graph(), fp32, pkg, Options.NONE);

        MLPackage read = MLPackageReader.read(pkg);
        assertEquals(c.graph().inputNames(), read.model().graph().inputNames(), "inputs read back");
        assertEquals(List.copyOf(c.graph().outputs().keySet()), List.copyOf(read.model().graph().outputs().keySet()), "outputs read back");

        Map<String, Tensor> inputs = TestSupport.inputs(c.graph(), 7, c.positiveInputs());
        Map<String, Tensor> expected = TestSupport.runReference(c.graph(), fp32, inputs);
        Map<String, Tensor> actual = TestSupport.runPackage(pkg, inputs);
        for (String out : c.graph().outputs().keySet()) {
            assertArrayEquals(expected.get(out).shape(), actual.get(out).shape(), out + " shape");
            double e = TestSupport.relativeError(expected.get(out), actual.get(out));
            System.out.printf("round trip %-40s %-14s error %.2e x peak%n", c.name(), out, e);
            assertTrue(e <= TOLERANCE, c.name() + " output " + out + ": error " + e + " x peak > " + TOLERANCE);
        }
    }
}

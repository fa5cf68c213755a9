package dev.htdemucs.coreml;

import dev.htdemucs.testsupport.CoreMLChecker;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Apple's coremltools (through shared/tools/coreml-check) loads our packages and re-runs MIL type inference
 * on every op: one graph holding every lowering path, in fp32, fp16 and mixed precision, for iOS 17 and 18.
 * Skipped when the checker or /usr/bin/python3 is absent.
 */
class CheckerTest {
    @Test
    void everyLoweringPathPassesTheChecker(@TempDir Path dir) throws Exception {
        CoreMLChecker.require();
        Graph g = OpCases.kitchenSink();
        LoadedModel model = new LoadedModel(g, TestSupport.NO_METADATA);
        String[][] variants = {{"fp32", "ios17"}, {"fp16", "ios17"}, {"mixed", "ios17"}, {"fp16", "ios18"}};
        for (String[] v : variants) {
            PrecisionPlan plan = TestSupport.plugins().get(PrecisionSelector.class, v[0]).select(model, Options.NONE);
            Path pkg = dir.resolve("kitchen_sink_" + v[0] + "_" + v[1] + ".mlpackage");
            TestSupport.emit(g, plan, pkg, Options.of("target", v[1]));
            CoreMLChecker.Result r = CoreMLChecker.check(pkg);
            assertEquals(0, r.exitCode(), v[0] + "/" + v[1] + " rejected:\n" + r.output());
            assertTrue(r.lastLine().startsWith("OK") && r.lastLine().contains("spec=" + (v[1].equals("ios18") ? 9 : 8)), r.output());
        }
    }
}

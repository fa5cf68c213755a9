package dev.htdemucs.examples;

import dev.htdemucs.coreml.CoreMLEmitter;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.PrecisionPlan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What {@code htdemucs convert --precision keep-attention-fp32 --passes +fold-layer-scale} changes in the
 * emitted tiny6 package, against {@code --precision keep-attention-fp32} alone: the same pipeline (loader,
 * extract-inner, [fold-layer-scale], selector, coreml emitter for ios17), MIL op counts compared.
 */
class Tiny6PackageOpCountsTest {
    @Test
    void foldingRemovesOneMilMulAndOneMilConstPerLayerScale(@TempDir Path dir) throws PluginException {
        LoadedModel inner = Tiny6.inner();
        LoadedModel folded = new FoldLayerScalePass().apply(inner, Options.NONE);
        int folds = FoldLayerScalePass.foldAll(inner.graph()).folds().size();
        Emitter.EmitResult before = emit(inner, dir.resolve("before.mlpackage"));
        Emitter.EmitResult after = emit(folded, dir.resolve("after.mlpackage"));

        System.out.println("tiny6 package MIL ops, keep-attention-fp32 without/with fold-layer-scale:");
        Map<String, Integer> all = new TreeMap<>(before.opCounts());
        after.opCounts().keySet().forEach(k -> all.putIfAbsent(k, 0));
        all.forEach((op, n) -> {
            int b = before.opCounts().getOrDefault(op, 0), a = after.opCounts().getOrDefault(op, 0);
            System.out.printf("  %-16s %5d -> %5d%s%n", op, b, a, a == b ? "" : "  (" + (a - b) + ")");
        });
        System.out.printf("  %-16s %5d -> %5d; package %d -> %d bytes%n", "total", total(before.opCounts()),
                total(after.opCounts()), before.bytes(), after.bytes());

        Map<String, Integer> expected = new TreeMap<>(before.opCounts());
        expected.merge("mul", -folds, Integer::sum);
        expected.merge("const", -folds, Integer::sum);
        assertEquals(expected, new TreeMap<>(after.opCounts()));
    }

    private static Emitter.EmitResult emit(LoadedModel model, Path out) throws PluginException {
        PrecisionPlan plan = new KeepAttentionFp32Selector().select(model, Options.NONE);
        return new CoreMLEmitter().emit(model.withGraph(PrecisionCasts.apply(model.graph(), plan)), out, Options.of("target", "ios17"));
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
}

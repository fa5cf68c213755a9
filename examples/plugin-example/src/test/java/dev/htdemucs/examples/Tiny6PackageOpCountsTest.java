package dev.htdemucs.examples;

import dev.htdemucs.pipeline.ConversionPipeline;
import dev.htdemucs.pipeline.ConversionResult;
import dev.htdemucs.pipeline.PassPipeline;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
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
        ConversionResult plain = convert(PassPipeline.DEFAULT, dir.resolve("before.mlpackage"));
        ConversionResult withFold = convert(PassPipeline.DEFAULT.append(FoldLayerScalePass.NAME), dir.resolve("after.mlpackage"));
        assertEquals(List.of("extract-inner", FoldLayerScalePass.NAME), withFold.passes());
        int folds = FoldLayerScalePass.foldAll(plain.model().graph()).folds().size();
        Emitter.EmitResult before = plain.emitted();
        Emitter.EmitResult after = withFold.emitted();

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

    /** The conversion of {@code convert --precision keep-attention-fp32 [--passes ...]}, with this module's plugins. */
    private static ConversionResult convert(PassPipeline passes, Path out) throws PluginException {
        return ConversionPipeline.builder(Plugins.fromClassPath()).model(Tiny6.golden().file("model.th"))
                .passes(passes).precision(KeepAttentionFp32Selector.NAME)
                .emitOptions(Options.of("target", "ios17")).build().run(out);
    }

    private static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }
}

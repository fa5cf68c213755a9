package dev.htdemucs.precision.auto;

import dev.htdemucs.coreml.CoreMLEmitter;
import dev.htdemucs.numerics.Metrics;
import dev.htdemucs.numerics.Npy;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.precision.EffectivePrecision;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerNetwork;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measures the precision table of the README: for each selector, the package's op counts and size, and
 * the SNR per source of one segment separated through it (host STFT → package on {@code coreml-reference}
 * → host iSTFT + wave_out) against the fp32 package, and against PyTorch's golden output.
 *
 * <pre>java … PrecisionTable MODEL.th CASE_DIR OUT.md WORK_DIR [target_snr] [selectors…]</pre>
 * CASE_DIR holds {@code mix.npy} (one segment) and {@code output.npy}; {@code auto@70} is auto with target 70.
 * Each selector's row and output are kept in WORK_DIR and reused by later invocations.
 */
public final class PrecisionTable {
    private PrecisionTable() {}

    record Row(String selector, int fp32Ops, int fp16Ops, long bytes, double[] snrVsFp32, double[] snrVsGolden,
               double selectSeconds, double runSeconds, String note) {}

    public static void main(String[] args) throws Exception {
        Path modelFile = Path.of(args[0]), caseDir = Path.of(args[1]), out = Path.of(args[2]), work = Path.of(args[3]);
        String target = args.length > 4 ? args[4] : "60";
        List<String> selectors = args.length > 5 ? Arrays.asList(args).subList(5, args.length) : List.of("fp32", "fp16", "mixed", "auto");
        Files.createDirectories(work);
        Plugins plugins = Plugins.fromClassPath();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(modelFile, Options.NONE);
        LoadedModel inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
        NpyArray mix = Npy.read(caseDir.resolve("mix.npy"));
        NpyArray golden = Npy.read(caseDir.resolve("output.npy"));
        int length = mix.shape()[2];
        List<String> sources = inner.metadata().sources();

        Map<String, float[]> outputs = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        for (String name : selectors) {
            Path savedOutput = work.resolve(name + ".output.npy"), savedRow = work.resolve(name + ".row");
            if (Files.exists(savedOutput) && Files.exists(savedRow)) { // measured by an earlier invocation
                float[] separated = Npy.read(savedOutput).data();
                outputs.put(name, separated);
                String[] f = Files.readString(savedRow).split("\t", -1);
                float[] fp32Out = outputs.get("fp32");
                rows.add(new Row(name, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]),
                        fp32Out == null ? null : perSource(fp32Out, separated, sources.size()),
                        perSource(golden.data(), separated, sources.size()), Double.parseDouble(f[3]), Double.parseDouble(f[4]), f[5]));
                continue;
            }
            long t0 = System.nanoTime();
            String note = "";
            PrecisionPlan plan;
            if (name.startsWith("auto")) {
                String t = name.contains("@") ? name.substring(name.indexOf('@') + 1) : target;
                AutoSelector.Result r = TestPlugins.auto(System.err).search(inner, Options.of(AutoSelector.TARGET_SNR, t));
                plan = r.plan();
                note = String.format(Locale.ROOT, "target %s dB + margin %.1f dB on %d calibration songs: worst %.2f dB (%s), %d search runs%s",
                        t, r.marginDb(), AutoSelector.DEFAULT_SONGS, r.snrDb(), r.worstOutput(), r.searchRuns(),
                        r.exact() ? "" : ", run limit reached");
            } else {
                plan = plugins.get(PrecisionSelector.class, name).select(inner, Options.NONE);
            }
            double selectSeconds = (System.nanoTime() - t0) / 1e9;
            PrecisionPlan effective = EffectivePrecision.resolve(inner.graph(), plan);
            int fp32 = 0, fp16 = 0;
            for (Precision p : effective.byNode().values()) if (p == Precision.FP32) fp32++; else fp16++;
            Path pkg = work.resolve("htdemucs_6s_" + name + ".mlpackage");
            Emitter.EmitResult emitted = new CoreMLEmitter().emit(inner.withGraph(PrecisionCasts.apply(inner.graph(), plan)), pkg, Options.of("force", "true"));
            t0 = System.nanoTime();
            float[] separated;
            try (Session s = TestPlugins.coremlReference().open(pkg, Options.NONE)) {
                separated = new InnerNetwork(s, inner.metadata()).forward(mix.data(), length);
            }
            double runSeconds = (System.nanoTime() - t0) / 1e9;
            outputs.put(name, separated);
            float[] fp32Out = outputs.get("fp32");
            double[] vsFp32 = fp32Out == null ? null : perSource(fp32Out, separated, sources.size());
            double[] vsGolden = perSource(golden.data(), separated, sources.size());
            Row row = new Row(name, fp32, fp16, emitted.bytes(), vsFp32, vsGolden, selectSeconds, runSeconds, note);
            Npy.write(savedOutput, NpyArray.of(separated, sources.size(), mix.shape()[1], length));
            Files.writeString(savedRow, fp32 + "\t" + fp16 + "\t" + emitted.bytes() + "\t" + selectSeconds + "\t" + runSeconds + "\t" + note);
            rows.add(row);
            System.err.printf(Locale.ROOT, "table: %s: fp32 %d, fp16 %d, %d bytes, vs fp32 %s, vs golden %s, select %.0f s, run %.0f s %s%n",
                    name, fp32, fp16, emitted.bytes(), Arrays.toString(vsFp32), Arrays.toString(vsGolden), selectSeconds, runSeconds, note);
            Files.writeString(out, markdown(rows, sources, modelFile, caseDir));
        }
    }

    static double[] perSource(float[] reference, float[] test, int sources) {
        int size = reference.length / sources;
        double[] snr = new double[sources];
        for (int s = 0; s < sources; s++) {
            snr[s] = Metrics.snrDb(Arrays.copyOfRange(reference, s * size, (s + 1) * size), Arrays.copyOfRange(test, s * size, (s + 1) * size));
        }
        return snr;
    }

    static String markdown(List<Row> rows, List<String> sources, Path model, Path caseDir) throws IOException {
        StringBuilder b = new StringBuilder();
        b.append("## Precision table: htdemucs_6s\n\n");
        b.append("Model `").append(model).append("` (random weights, seed 42), one segment of the golden `")
                .append(caseDir.getFileName()).append("` mix: host STFT → package on `coreml-reference` (fp16 emulated by rounding ")
                .append("where the package stores fp16) → host iSTFT + wave_out. SNR = 10·log10(Σref² / Σ(ref − out)²) per ")
                .append("source, in dB, against the fp32 package (first block) and against PyTorch's fp32 output (second block). ")
                .append("Ops = ops with a precision (const and cast excluded), after the fp16-range and constant-only rules.\n\n");
        b.append("| precision | fp32 ops | fp16 ops | package bytes |");
        for (String s : sources) b.append(' ').append(s).append(" |");
        b.append(" worst |\n|---|---:|---:|---:|");
        b.append("---:|".repeat(sources.size() + 1)).append('\n');
        for (Row r : rows) appendRow(b, r, r.snrVsFp32(), sources.size());
        b.append("\nAgainst PyTorch (golden `output.npy`):\n\n| precision |");
        for (String s : sources) b.append(' ').append(s).append(" |");
        b.append(" worst |\n|---|").append("---:|".repeat(sources.size() + 1)).append('\n');
        for (Row r : rows) {
            b.append("| ").append(r.selector()).append(" |");
            appendSnr(b, r.snrVsGolden(), sources.size());
            b.append('\n');
        }
        b.append("\nNotes:\n\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, "- %s: selection %.0f s, one segment on coreml-reference %.0f s%s%n", r.selector(),
                    r.selectSeconds(), r.runSeconds(), r.note().isEmpty() ? "" : "; " + r.note()));
        }
        return b.toString();
    }

    private static void appendRow(StringBuilder b, Row r, double[] snr, int sources) {
        b.append(String.format(Locale.ROOT, "| %s | %d | %d | %d |", r.selector(), r.fp32Ops(), r.fp16Ops(), r.bytes()));
        appendSnr(b, snr, sources);
        b.append('\n');
    }

    private static void appendSnr(StringBuilder b, double[] snr, int sources) {
        if (snr == null) {
            b.append(" – |".repeat(sources + 1));
            return;
        }
        double worst = Double.POSITIVE_INFINITY;
        for (double d : snr) {
            b.append(Double.isInfinite(d) ? " ∞ |" : String.format(Locale.ROOT, " %.1f |", d));
            worst = Math.min(worst, d);
        }
        b.append(Double.isInfinite(worst) ? " ∞ |" : String.format(Locale.ROOT, " %.1f |", worst));
    }
}

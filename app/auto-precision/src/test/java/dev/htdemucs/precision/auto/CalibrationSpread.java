package dev.htdemucs.precision.auto;

import dev.htdemucs.precision.EffectivePrecision;
import dev.htdemucs.precision.Fp16Selector;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionPlan;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How far music the {@code auto} selector did not calibrate on lands below what it calibrated on — the
 * measurement behind {@link AutoSelector#DEFAULT_MARGIN_DB}. Only calibration songs take part (no golden
 * data): a pool of {@code POOL} songs ({@link CalibrationSong#song} 0 … POOL−1), of which the first
 * {@code CALIBRATED} are the selector's, the rest stand for music it never heard.
 *
 * <p>For the fp16 plan and for {@code auto} at each target with {@code margin_db} 0 (calibrated on the
 * first CALIBRATED songs), every song of the pool is measured; the <em>shortfall</em> of a held-out song
 * is the calibration songs' worst SNR minus its own. Printed: the per-song SNR table, and, for 1 …
 * CALIBRATED calibration songs, the largest shortfall over held-out songs and plans — the margin that
 * would have kept every held-out song at or above the target.
 *
 * <pre>java … CalibrationSpread MODEL.th OUT.txt [POOL=8] [CALIBRATED=3] [targets… = 60 65 70]</pre>
 */
public final class CalibrationSpread {
    private CalibrationSpread() {}

    public static void main(String[] args) throws Exception {
        Path modelFile = Path.of(args[0]), out = Path.of(args[1]);
        int pool = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int calibrated = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<String> targets = args.length > 4 ? List.of(args).subList(4, args.length) : List.of("60", "65", "70");
        String probeSongs = System.getProperty("probe_songs", Integer.toString(AutoSelector.DEFAULT_PROBE_SONGS));
        double margin = Double.parseDouble(System.getProperty("margin_db", "0"));
        Plugins plugins = Plugins.fromClassPath();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(modelFile, Options.NONE);
        LoadedModel inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
        int sources = inner.metadata().sources().size();

        StringBuilder report = new StringBuilder();
        CalibrationRuns songs = new CalibrationRuns(inner.graph(), inner.metadata(), pool, sources,
                plugins.get(dev.htdemucs.spi.ModelRuntime.class, "reference"), Options.NONE);
        for (int i = 0; i < pool; i++) report.append(songs.song(i)).append('\n');

        Map<String, PrecisionPlan> plans = new LinkedHashMap<>();
        plans.put("fp16", EffectivePrecision.resolve(inner.graph(), new Fp16Selector().select(inner, Options.NONE)));
        for (String t : targets) {
            AutoSelector.Result r = TestPlugins.auto(System.err).search(inner, Options.of(AutoSelector.TARGET_SNR, t,
                    AutoSelector.MARGIN_DB, Double.toString(margin), AutoSelector.SONGS, Integer.toString(calibrated),
                    AutoSelector.PROBE_SONGS, probeSongs));
            plans.put("auto@" + t + " (" + r.fp32Ops() + " fp32)", r.plan());
        }

        List<double[]> table = new ArrayList<>();
        report.append(String.format(Locale.ROOT, "%n%-22s", "plan \\ song"));
        for (int i = 0; i < pool; i++) report.append(String.format(Locale.ROOT, "%8d", i));
        report.append('\n');
        Map<Map<String, ?>, OutputSnr[]> byPlan = new LinkedHashMap<>(); // auto at a low target may be the fp16 plan
        for (Map.Entry<String, PrecisionPlan> e : plans.entrySet()) {
            OutputSnr[] each = byPlan.get(e.getValue().byNode());
            if (each == null) {
                each = songs.measureEach(e.getValue());
                byPlan.put(e.getValue().byNode(), each);
            }
            double[] db = new double[pool];
            report.append(String.format(Locale.ROOT, "%-22s", e.getKey()));
            for (int i = 0; i < pool; i++) {
                db[i] = each[i].worstDb();
                report.append(String.format(Locale.ROOT, "%8.2f", db[i]));
            }
            report.append('\n').append(String.format(Locale.ROOT, "%-22s", "  worst"));
            for (int i = 0; i < pool; i++) report.append(' ').append(each[i].worst().replace("spec_out", "s").replace("wave_out", "w").replace("stems", "m").replace("[source ", "").replace("]", ""));
            report.append('\n');
            table.add(db);
            Files.writeString(out, report);
        }

        report.append(String.format(Locale.ROOT, "%nheld-out songs %d..%d; shortfall = worst of the calibration songs − held-out song%n",
                calibrated, pool - 1));
        for (int k = 1; k <= calibrated; k++) {
            double largest = Double.NEGATIVE_INFINITY, sum = 0;
            int n = 0;
            StringBuilder perPlan = new StringBuilder();
            for (double[] db : table) {
                double worstCalibrated = Double.POSITIVE_INFINITY; // what the selector promised (margin aside)
                for (int i = 0; i < k; i++) worstCalibrated = Math.min(worstCalibrated, db[i]);
                double planLargest = Double.NEGATIVE_INFINITY;
                for (int u = calibrated; u < pool; u++) {
                    double shortfall = worstCalibrated - db[u];
                    planLargest = Math.max(planLargest, shortfall);
                    sum += shortfall;
                    n++;
                }
                largest = Math.max(largest, planLargest);
                perPlan.append(String.format(Locale.ROOT, " %+.2f", planLargest));
            }
            report.append(String.format(Locale.ROOT, "calibrated on songs 0..%d: largest shortfall %+.2f dB (per plan:%s), mean %+.2f dB%n",
                    k - 1, largest, perPlan, sum / n));
        }
        Files.writeString(out, report);
        System.out.print(report);
    }
}

package dev.htdemucs.precision.auto;

import dev.htdemucs.coreml.CoreMLEmitter;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.precision.EffectivePrecision;
import dev.htdemucs.precision.MixedSelector;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerNetwork;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code auto} selector on tiny6's inner network. What it promises, checked on the emitted package run
 * by {@code coreml-reference} (not on the selector's own bookkeeping, which runs the graph with the plan's
 * casts on the reference runtime: the package also rounds inside the ops its lowering decomposes, e.g.
 * group_norm and glu, so it computes slightly differently — 0.36 dB lower at 60 dB on tiny6), with the stems made by the host
 * ({@link InnerNetwork}: iSTFT of spec_out + wave_out): the worst per-source SNR of the stems against the
 * fp32 package's reaches the target plus the margin on every calibration song, and reaches the target on
 * the golden synth_song, a song it never saw. No slack: the margin is what the selector adds for music it
 * did not hear, and synth_song must not need more.
 */
class AutoSelectorTest {
    static LoadedModel inner;
    static final List<Map<String, Tensor>> CALIBRATION = new ArrayList<>(), CALIBRATION_FP32 = new ArrayList<>();
    static Map<String, Tensor> synthSong, synthSongFp32;
    /** What the selector measures, and the user hears. */
    static final String STEMS = "stems";
    static final Map<String, AutoSelector.Result> RESULTS = new HashMap<>();

    @BeforeAll
    static void load() throws Exception {
        GoldenSet tiny6 = Golden.tiny6();
        Plugins plugins = Plugins.fromClassPath();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(tiny6.file("model.th"), Options.NONE);
        inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);
        for (int i = 0; i < AutoSelector.DEFAULT_SONGS; i++) {
            CALIBRATION.add(CalibrationSong.inputs(inner.graph(), inner.metadata(), CalibrationSong.song(i)));
        }
        synthSong = new LinkedHashMap<>();
        for (String name : new String[] {"mix", "spec"}) {
            NpyArray a = tiny6.npy("synth_song/" + name + ".npy");
            synthSong.put(name, Tensor.ofFloats(a.shape(), a.data()));
        }
        try (Session s = TestPlugins.coremlReference().open(PrecisionCasts.apply(inner.graph(), PrecisionPlan.uniform(Precision.FP32)), Options.NONE)) {
            for (Map<String, Tensor> in : CALIBRATION) CALIBRATION_FP32.add(stems(s, in));
            synthSongFp32 = stems(s, synthSong);
        }
    }

    static AutoSelector.Result auto(double target) throws PluginException {
        return auto(target, Options.NONE);
    }

    /** auto at {@code target} with {@code more} options; results cached by options. */
    static AutoSelector.Result auto(double target, Options more) throws PluginException {
        Map<String, String> o = new TreeMap<>(more.asMap());
        o.put(AutoSelector.TARGET_SNR, Double.toString(target));
        String key = o.toString();
        AutoSelector.Result r = RESULTS.get(key);
        if (r == null) {
            r = TestPlugins.auto(System.err).search(inner, Options.of(o));
            RESULTS.put(key, r);
        }
        return r;
    }

    /** The separated stems {@code [1, S, C, L]} of a run: {@code istft(spec_out) + wave_out}, as the host computes them. */
    static Map<String, Tensor> stems(Session s, Map<String, Tensor> inputs) throws PluginException {
        InnerNetwork network = new InnerNetwork(s, inner.metadata());
        float[] stems = network.output(network.run(inputs));
        return Map.of(STEMS, Tensor.ofFloats(new int[] {1, network.sources(), network.channels(), network.trainingLength()}, stems));
    }

    /** Emits {@code plan} to a package under {@code dir} and opens it on coreml-reference. */
    static Session openPackage(PrecisionPlan plan, Path dir) throws Exception {
        Path pkg = dir.resolve("tiny6_" + Integer.toHexString(plan.byNode().hashCode()) + ".mlpackage");
        new CoreMLEmitter().emit(inner.withGraph(PrecisionCasts.apply(inner.graph(), plan)), pkg, Options.of("force", "true"));
        return TestPlugins.coremlReference().open(pkg, Options.NONE);
    }

    /** Worst per-source SNR of {@code plan}'s package over the default calibration songs. */
    static OutputSnr calibrationSnr(PrecisionPlan plan, Path dir) throws Exception {
        OutputSnr worst = null;
        try (Session s = openPackage(plan, dir)) {
            for (int i = 0; i < CALIBRATION.size(); i++) {
                OutputSnr snr = OutputSnr.measure(CALIBRATION_FP32.get(i), stems(s, CALIBRATION.get(i)), inner.metadata().sources().size());
                if (worst == null || snr.worstDb() < worst.worstDb()) worst = new OutputSnr(snr.worstDb(), "song " + i + " " + snr.worst());
            }
        }
        return worst;
    }

    /**
     * Worst per-source SNR over the default calibration songs of what the selector measures: the graph with
     * {@code plan}'s casts on the reference runtime, against the fp32 graph on the reference runtime.
     */
    static OutputSnr graphSnr(PrecisionPlan plan) throws Exception {
        ModelRuntime reference = TestPlugins.plugins().get(ModelRuntime.class, "reference");
        OutputSnr worst = null;
        try (Session fp32 = reference.open(inner.graph(), Options.NONE);
             Session s = reference.open(PrecisionCasts.apply(inner.graph(), plan), Options.NONE)) {
            for (int i = 0; i < CALIBRATION.size(); i++) {
                OutputSnr snr = OutputSnr.measure(stems(fp32, CALIBRATION.get(i)), stems(s, CALIBRATION.get(i)), inner.metadata().sources().size());
                if (worst == null || snr.worstDb() < worst.worstDb()) worst = new OutputSnr(snr.worstDb(), "song " + i + " " + snr.worst());
            }
        }
        return worst;
    }

    static OutputSnr synthSongSnr(PrecisionPlan plan, Path dir) throws Exception {
        try (Session s = openPackage(plan, dir)) {
            return OutputSnr.measure(synthSongFp32, stems(s, synthSong), inner.metadata().sources().size());
        }
    }

    @Test
    void isThePluginNamedAuto() throws Exception {
        assertInstanceOf(AutoSelector.class, Plugins.fromClassPath().get(PrecisionSelector.class, "auto"));
    }

    @Test
    void reachesItsTargetPlusMarginOnTheCalibrationSongsAndItsTargetOnSynthSong(@TempDir Path dir) throws Exception {
        for (double target : new double[] {60, 70}) {
            AutoSelector.Result r = auto(target);
            OutputSnr onCalibration = calibrationSnr(r.plan(), dir);
            OutputSnr onSynthSong = synthSongSnr(r.plan(), dir);
            System.out.printf("auto %.0f dB: %d fp32 / %d fp16 ops; package: calibration songs %s, synth_song %s%n",
                    target, r.fp32Ops(), r.fp16Ops(), onCalibration, onSynthSong);
            assertEquals(AutoSelector.DEFAULT_MARGIN_DB, r.marginDb());
            assertTrue(onCalibration.reaches(target + r.marginDb()),
                    "target " + target + " + margin " + r.marginDb() + ": calibration songs " + onCalibration);
            assertTrue(onSynthSong.reaches(target), "target " + target + ": synth_song " + onSynthSong);
            OutputSnr measured = graphSnr(r.plan());
            System.out.printf("auto %.0f dB: the graph with its casts on reference %s, the package %s%n", target, measured, onCalibration);
            assertEquals(r.snrDb(), measured.worstDb(), 1e-9, "the selector reports what the graph with its casts computes");
        }
    }

    /** Same songs, same accuracy (no margin on either side): auto needs fewer fp32 ops than mixed's fixed list. */
    @Test
    void keepsFewerOpsFp32ThanMixedAtMixedsOwnAccuracy(@TempDir Path dir) throws Exception {
        PrecisionPlan mixed = EffectivePrecision.resolve(inner.graph(), new MixedSelector().select(inner, Options.NONE));
        int mixedFp32 = 0;
        for (Precision p : mixed.byNode().values()) if (p == Precision.FP32) mixedFp32++;
        double mixedSnr = calibrationSnr(mixed, dir).worstDb();
        AutoSelector.Result asGoodAsMixed = auto(Math.floor(mixedSnr * 100) / 100, Options.of(AutoSelector.MARGIN_DB, "0"));
        System.out.printf("mixed: %d fp32 ops, %.2f dB on the calibration songs; auto at that target: %d fp32 ops%n",
                mixedFp32, mixedSnr, asGoodAsMixed.fp32Ops());
        assertTrue(asGoodAsMixed.snrDb() >= Math.floor(mixedSnr * 100) / 100, "" + asGoodAsMixed.snrDb());
        assertTrue(asGoodAsMixed.fp32Ops() < mixedFp32, "auto at mixed's " + mixedSnr + " dB keeps " + asGoodAsMixed.fp32Ops()
                + " ops fp32, mixed " + mixedFp32);
    }

    @Test
    void theMarginKeepsMoreOpsFp32() throws Exception {
        AutoSelector.Result none = auto(60, Options.of(AutoSelector.MARGIN_DB, "0")), byDefault = auto(60);
        System.out.printf("auto 60 dB: margin 0: %d fp32 ops (%.2f dB); margin %.1f: %d fp32 ops (%.2f dB)%n",
                none.fp32Ops(), none.snrDb(), byDefault.marginDb(), byDefault.fp32Ops(), byDefault.snrDb());
        assertTrue(none.snrDb() >= 60 && none.snrDb() < 60 + AutoSelector.DEFAULT_MARGIN_DB,
                "tiny6 all-fp16 is between 60 dB and 60 dB + the margin on the calibration songs: " + none.snrDb());
        assertEquals(0, none.searchRuns(), "no margin: the fp16 plan, no search");
        assertTrue(byDefault.snrDb() >= 60 + AutoSelector.DEFAULT_MARGIN_DB, "" + byDefault.snrDb());
        assertTrue(byDefault.fp32Ops() > none.fp32Ops(), byDefault.fp32Ops() + " vs " + none.fp32Ops());
    }

    @Test
    void aHigherTargetKeepsAtLeastAsManyOpsFp32() throws Exception {
        int at60 = auto(60).fp32Ops(), at70 = auto(70).fp32Ops(), at80 = auto(80).fp32Ops();
        System.out.printf("fp32 ops: %d at 60 dB, %d at 70 dB, %d at 80 dB%n", at60, at70, at80);
        assertTrue(at60 <= at70 && at70 <= at80, at60 + ", " + at70 + ", " + at80);
        assertTrue(at60 < at80, "80 dB needs more fp32 than 60 dB: " + at60 + " vs " + at80);
        assertTrue(auto(80).snrDb() >= 80 + auto(80).marginDb(), "" + auto(80).snrDb());
    }

    @Test
    void sameModelAndOptionsGiveTheSamePlanWhateverTheThreads() throws Exception {
        PrecisionPlan first = auto(70).plan();
        PrecisionPlan again = TestPlugins.auto(null).select(inner, Options.of(AutoSelector.TARGET_SNR, "70.0", AutoSelector.THREADS, "1"));
        assertEquals(first.byNode(), again.byNode());
        assertTrue(auto(70).searchRuns() > 0, "70 dB needs a search on tiny6");
    }

    @Test
    void aRunLimitStillGivesAPlanThatReachesTheTarget() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        AutoSelector.Result r = TestPlugins.auto(new PrintStream(log, true, StandardCharsets.UTF_8))
                .search(inner, Options.of(AutoSelector.TARGET_SNR, "80", AutoSelector.MAX_RUNS, "1"));
        String progress = log.toString(StandardCharsets.UTF_8);
        System.out.print(progress);
        assertEquals(1, r.searchRuns());
        assertFalse(r.exact(), "one run cannot close the bracket");
        assertTrue(r.snrDb() >= 80 + r.marginDb(), "whatever the limit, the plan reaches target + margin: " + r.snrDb());
        assertTrue(progress.contains("auto: [1] fp32 package on 3 songs (the references)") && progress.contains("auto: [3] fp16 noise probe")
                && progress.contains("run limit max_runs=1 reached"), progress);
    }

    @Test
    void checksItsOptions() {
        assertThrows(IllegalArgumentException.class, () -> TestPlugins.auto(null).select(inner, Options.of(AutoSelector.TARGET_SNR, "loud")));
        PluginException e = assertThrows(PluginException.class,
                () -> TestPlugins.auto(null).select(inner, Options.of(AutoSelector.MAX_RUNS, "-1")));
        assertTrue(e.getMessage().contains("max_runs"), e.getMessage());
        e = assertThrows(PluginException.class, () -> TestPlugins.auto(null).select(inner, Options.of(AutoSelector.TARGET_SNR, "Infinity")));
        assertTrue(e.getMessage().contains("target_snr"), e.getMessage());
        e = assertThrows(PluginException.class, () -> TestPlugins.auto(null).select(inner, Options.of(AutoSelector.MARGIN_DB, "-1")));
        assertTrue(e.getMessage().contains("margin_db") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(PluginException.class, () -> TestPlugins.auto(null).select(inner, Options.of(AutoSelector.SONGS, "0")));
        assertTrue(e.getMessage().contains("songs"), e.getMessage());
    }
}

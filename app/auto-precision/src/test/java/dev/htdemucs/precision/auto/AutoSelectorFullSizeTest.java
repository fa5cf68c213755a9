package dev.htdemucs.precision.auto;

import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.fixtures.GoldenAssumptions;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code auto} with its defaults (target 60 dB, {@link AutoSelector#DEFAULT_SONGS} calibration songs,
 * margin {@link AutoSelector#DEFAULT_MARGIN_DB} dB) on htdemucs_6s (27.4 M parameters, random weights): the
 * plan it returns was measured at ≥ target + margin on every calibration song (worst source of spec_out
 * and wave_out, package run on coreml-reference), and the golden synth_song segment — music it never
 * heard — separated through that package (host STFT → package → host iSTFT + wave_out) reaches the target
 * against the fp32 package for every source. Takes several minutes on 2 cores; needs the full-size golden set.
 */
@Tag("full")
class AutoSelectorFullSizeTest {
    static final double TARGET = 60;

    @Test
    void reachesItsTargetOnHtdemucs6s() throws Exception {
        GoldenSet set = GoldenAssumptions.requireFullSize();
        Plugins plugins = Plugins.fromClassPath();
        LoadedModel full = plugins.get(ModelLoader.class, "demucs-checkpoint").load(set.file("model.th"), Options.NONE);
        LoadedModel inner = plugins.get(GraphPass.class, "extract-inner").apply(full, Options.NONE);

        AutoSelector.Result r = TestPlugins.auto(System.err).search(inner, Options.of(AutoSelector.TARGET_SNR, Double.toString(TARGET)));
        System.out.printf("htdemucs_6s auto %.0f dB + margin %.1f dB: %d fp32 / %d fp16 ops, calibration songs %.2f dB (%s), %d search runs%n",
                TARGET, r.marginDb(), r.fp32Ops(), r.fp16Ops(), r.snrDb(), r.worstOutput(), r.searchRuns());
        assertTrue(r.snrDb() >= TARGET + r.marginDb(), "calibration songs: " + r.snrDb() + " dB < " + TARGET + " + " + r.marginDb());

        NpyArray mix = set.npy("synth_song/mix.npy");
        int length = mix.shape()[2], sources = inner.metadata().sources().size();
        float[] fp32 = separate(inner, PrecisionPlan.uniform(Precision.FP32), mix.data(), length);
        float[] auto = separate(inner, r.plan(), mix.data(), length);
        double[] snr = PrecisionTable.perSource(fp32, auto, sources);
        System.out.println("synth_song per source vs fp32 package: " + Arrays.toString(snr));
        for (int s = 0; s < sources; s++) {
            assertTrue(snr[s] >= TARGET, "synth_song " + inner.metadata().sources().get(s) + ": " + snr[s] + " dB < " + TARGET);
        }
    }

    private static float[] separate(LoadedModel inner, PrecisionPlan plan, float[] mix, int length) throws Exception {
        try (Session s = TestPlugins.coremlReference().open(PrecisionCasts.apply(inner.graph(), plan), Options.NONE)) {
            return new InnerNetwork(s, inner.metadata()).forward(mix, length);
        }
    }
}

package dev.htdemucs.separation;

import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.numerics.Signals;
import dev.htdemucs.separation.FakeInnerSession.Behaviour;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Separator} with fake inner networks: the segmentation, padding, weights and shifts of demucs'
 * {@code apply_model} against a literal transcription ({@link LiteralApplyModel}), and gains that must
 * come out unchanged.
 */
class SeparatorTest {

    /**
     * A network that multiplies by g_s gives g_s·x: each sample is Σ w·g·x / Σ w over at most two segments,
     * a few float32 roundings (≤ ~4 ulp of |g·x|); relative to the signal's peak 1e-6 is generous and still
     * far below any misplaced or missing segment (errors of order 1).
     */
    static final double GAIN_TOLERANCE_OF_PEAK = 1e-6;

    /** 2 kHz, 2 channels, 3 sources, 1000-sample training segment, n_fft 256: small enough to run in ms. */
    static final ModelMetadata METADATA = new ModelMetadata("htdemucs", List.of("drums", "bass", "other"),
            2000, 2, 1000, 256, 64, Map.of());
    static final int SEGMENT = METADATA.segmentSamples();

    private static float[] mix(int length, long seed) {
        return Signals.noise(2, length, 0.3, seed);
    }

    private static Separator separator(FakeInnerSession fake, SeparationSettings settings) throws PluginException {
        return new Separator(new InnerNetwork(fake, METADATA), settings);
    }

    @Test
    void weightsAreDemucsTriangleNormalisedByItsPeak() {
        assertArrayEquals(new float[] {1 / 4f, 2 / 4f, 3 / 4f, 1f, 3 / 4f, 2 / 4f, 1 / 4f}, TransitionWeights.of(7, 1),
                "odd: cat([1, 2, 3], [4, 3, 2, 1]) / 4");
        assertArrayEquals(new float[] {1 / 3f, 2 / 3f, 1f, 1f, 2 / 3f, 1 / 3f}, TransitionWeights.of(6, 1),
                "even: cat([1, 2, 3], [3, 2, 1]) / 3");
        float third = 1 / 3f, twoThirds = 2 / 3f; // float32 quotients first, then squared, as torch does
        assertArrayEquals(new float[] {third * third, twoThirds * twoThirds, 1f, 1f, twoThirds * twoThirds, third * third},
                TransitionWeights.of(6, 2), "power 2 of the float32 weights");
        assertArrayEquals(new float[] {1f}, TransitionWeights.of(1, 1));

        float[] w = TransitionWeights.of(22050, 1);
        assertEquals(1 / 11025f, w[0]);
        assertEquals(1f, w[11024]);
        assertEquals(1f, w[11025]);
        assertEquals(1 / 11025f, w[22049]);
    }

    @Test
    void strideAndWeightsFollowTheSettings() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        Separator defaults = separator(fake, SeparationSettings.DEFAULT);
        assertEquals(1000, defaults.segment());
        assertEquals(750, defaults.stride(), "int((1 - 0.25) * 1000)");
        assertArrayEquals(TransitionWeights.of(1000, 1), defaults.weights());

        Separator shorter = separator(fake, SeparationSettings.DEFAULT.withOverlap(0.1).withSegmentSamples(333));
        assertEquals(333, shorter.segment());
        assertEquals(299, shorter.stride(), "int(0.9 * 333)");
    }

    /** Short, one sample, exactly one segment, one more, 3.3 segments. */
    @ParameterizedTest(name = "L={0}")
    @ValueSource(ints = {1, 600, 1000, 1001, 3300})
    void aConstantGainNetworkGivesGainTimesTheMix(int length) throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        float[] mix = mix(length, length);

        float[] out = separator(fake, SeparationSettings.DEFAULT).apply(mix, length, ProgressListener.NONE);

        double peak = 0, worst = 0;
        for (float x : mix) peak = Math.max(peak, Math.abs(x));
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < mix.length; i++) {
                worst = Math.max(worst, Math.abs(out[s * mix.length + i] - (double) fake.gains[s] * mix[i]));
            }
        }
        assertTrue(worst <= GAIN_TOLERANCE_OF_PEAK * peak, "L=" + length + ": max error " + worst + " of peak " + peak);
    }

    /** Every path (short, one segment, tail segments padded from both sides) against the transcription, bit for bit. */
    @ParameterizedTest(name = "L={0}")
    @ValueSource(ints = {1, 600, 1000, 1001, 1750, 3300})
    void equalsApplyModelBitForBit(int length) throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.POSITIONAL);
        float[] mix = mix(length, 100 + length);

        float[] out = separator(fake, SeparationSettings.DEFAULT).apply(mix, length, ProgressListener.NONE);

        assertArrayEquals(new LiteralApplyModel(fake).apply(mix, length, 0.25, 0, 0, SEGMENT), out);
    }

    @Test
    void equalsApplyModelWithAShorterSegmentAndOtherOverlap() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.POSITIONAL);
        float[] mix = mix(2345, 7);
        SeparationSettings settings = SeparationSettings.DEFAULT.withOverlap(0.4).withSegmentSamples(701);

        float[] out = separator(fake, settings).apply(mix, 2345, ProgressListener.NONE);

        assertArrayEquals(new LiteralApplyModel(fake).apply(mix, 2345, 0.4, 0, 0, 701), out);
    }

    @Test
    void shiftsEqualApplyModelWithTheSameOffsetsAndAreReproducible() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.POSITIONAL);
        float[] mix = mix(2500, 8);
        SeparationSettings settings = SeparationSettings.DEFAULT.withShifts(3, 42);

        float[] out = separator(fake, settings).apply(mix, 2500, ProgressListener.NONE);

        assertArrayEquals(new LiteralApplyModel(fake).apply(mix, 2500, 0.25, 3, 42, SEGMENT), out);
        assertArrayEquals(out, separator(fake, settings).apply(mix, 2500, ProgressListener.NONE), "same seed");
        assertFalse(java.util.Arrays.equals(out,
                separator(fake, settings.withShifts(3, 43)).apply(mix, 2500, ProgressListener.NONE)), "other seed");
    }

    @Test
    void shiftsOfAGainNetworkStillGiveGainTimesTheMix() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        float[] mix = mix(1500, 9);

        float[] out = separator(fake, SeparationSettings.DEFAULT.withShifts(2, 1)).apply(mix, 1500, ProgressListener.NONE);

        double worst = 0;
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < mix.length; i++) {
                worst = Math.max(worst, Math.abs(out[s * mix.length + i] - (double) fake.gains[s] * mix[i]));
            }
        }
        assertTrue(worst <= GAIN_TOLERANCE_OF_PEAK, "max error " + worst);
    }

    @Test
    void theSpectralBranchGoesThroughIspec() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.SPEC_GAIN);
        float[] mix = mix(2200, 10);

        float[] out = separator(fake, SeparationSettings.DEFAULT).apply(mix, 2200, ProgressListener.NONE);

        assertArrayEquals(new LiteralApplyModel(fake).apply(mix, 2200, 0.25, 0, 0, SEGMENT), out);
        // Away from segment edges ispec(g·spec(x)) = g·x up to the dropped Nyquist bin: a sanity check of scale.
        double dot = 0, norm = 0;
        for (int i = 0; i < mix.length; i++) {
            dot += out[2 * mix.length + i] * (double) mix[i];
            norm += mix[i] * (double) mix[i];
        }
        assertEquals(fake.gains[2], dot / norm, 0.05, "source 2 is about g_2 times the mix");
    }

    @Test
    void forwardPadsOnTheRightAndCrops() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.POSITIONAL);
        InnerNetwork network = new InnerNetwork(fake, METADATA);
        float[] mix = mix(600, 11);

        assertArrayEquals(new LiteralApplyModel(fake).forward(mix, 600), network.forward(mix, 600));
        assertThrows(IllegalArgumentException.class, () -> network.forward(mix(1001, 1), 1001));
    }

    @Test
    void progressCountsEveryRunOnce() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        List<int[]> calls = new ArrayList<>();
        Thread caller = Thread.currentThread();

        separator(fake, SeparationSettings.DEFAULT).apply(mix(3300, 1), 3300, (done, total) -> {
            assertEquals(caller, Thread.currentThread(), "told on the calling thread");
            calls.add(new int[] {done, total});
        });

        int expected = 5; // offsets 0, 750, 1500, 2250, 3000 < 3300
        assertEquals(expected, fake.runs);
        assertEquals(expected, calls.size());
        for (int k = 0; k < expected; k++) assertArrayEquals(new int[] {k + 1, expected}, calls.get(k));

        FakeInnerSession shifted = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        List<int[]> shiftCalls = new ArrayList<>();
        separator(shifted, SeparationSettings.DEFAULT.withShifts(2, 5)).apply(mix(3300, 1), 3300,
                (done, total) -> shiftCalls.add(new int[] {done, total}));
        int total = shiftCalls.get(0)[1];
        // Each shift separates L + max_shift − offset ∈ [3300, 4300] samples: 5 or 6 segments.
        assertTrue(total >= 10 && total <= 12, "total " + total);
        assertEquals(total, shifted.runs);
        assertArrayEquals(new int[] {total, total}, shiftCalls.get(shiftCalls.size() - 1));
    }

    @Test
    void aFailingRunFailsTheSeparation() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        fake.failAtRun = 2;
        PluginException e = assertThrows(PluginException.class,
                () -> separator(fake, SeparationSettings.DEFAULT).apply(mix(3300, 1), 3300, ProgressListener.NONE));
        assertEquals("fake failure on run 2", e.getMessage());
        assertEquals(3, fake.runs, "no run after the failure");
    }

    @Test
    void separateNormalisesLikeDemucsAndChecksTheFormat() throws Exception {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        Separator separator = separator(fake, SeparationSettings.DEFAULT);
        float[][] samples = new float[2][1200];
        float[] noise = mix(1200, 12);
        for (int i = 0; i < 1200; i++) {
            samples[0][i] = noise[i] + 0.2f;
            samples[1][i] = noise[1200 + i] + 0.2f;
        }

        Stems stems = separator.separate(new Audio(2000, samples), ProgressListener.NONE);

        assertEquals(List.of("drums", "bass", "other"), stems.sources());
        // A gain network on the normalised mix: g·(x − m)/σ·σ + m = g·x + (1 − g)·m.
        MixNormalization n = MixNormalization.of(samples);
        assertEquals(0.2, n.mean(), 0.02);
        for (int s = 0; s < 3; s++) {
            float g = fake.gains[s];
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 1200; i++) {
                    assertEquals(g * samples[c][i] + (1 - g) * n.mean(), stems.audio(s).samples()[c][i], 1e-6,
                            "source " + s + " channel " + c + " sample " + i);
                }
            }
        }

        Audio mono = new Audio(2000, new float[][] {samples[0]});
        Stems fromMono = separator.separate(mono, ProgressListener.NONE);
        assertArrayEquals(fromMono.audio("bass").samples()[0], fromMono.audio("bass").samples()[1], "mono is duplicated");

        AudioFormatException rate = assertThrows(AudioFormatException.class,
                () -> separator.separate(new Audio(44_100, samples), ProgressListener.NONE));
        assertEquals("sample rate 44100 Hz, but the model expects 2000 Hz; there is no resampler built in:"
                + " resample the file first", rate.getMessage());
        AudioFormatException three = assertThrows(AudioFormatException.class,
                () -> separator.separate(new Audio(2000, new float[][] {samples[0], samples[0], samples[1]}),
                        ProgressListener.NONE));
        assertTrue(three.getMessage().startsWith("unsupported channel count 3"), three.getMessage());
    }

    @Test
    void rejectsSettingsAndSessionsThatDoNotFit() throws PluginException {
        FakeInnerSession fake = new FakeInnerSession(METADATA, Behaviour.WAVE_GAIN);
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> separator(fake, SeparationSettings.DEFAULT.withSegmentSamples(1001)));
        assertTrue(tooLong.getMessage().contains("longer than the model's training segment of 1000 samples"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SeparationSettings.DEFAULT.withOverlap(1));
        assertThrows(IllegalArgumentException.class, () -> SeparationSettings.DEFAULT.withShifts(-1, 0));

        ModelMetadata otherSegment = new ModelMetadata("htdemucs", METADATA.sources(), 2000, 2, 2000, 256, 64, Map.of());
        PluginException shape = assertThrows(PluginException.class, () -> new InnerNetwork(fake, otherSegment));
        assertEquals("inner network input 'mix' is " + TensorType.f32(1, 2, 1000) + ", expected a float [1, 2, 2000]"
                + " for the model's metadata", shape.getMessage());
    }

    @Test
    void clipModesFollowDemucsPreventClip() {
        Audio loud = new Audio(2000, new float[][] {{0.5f, -2f, 1f}});
        assertArrayEquals(new float[] {0.5f / 2.02f, -2f / 2.02f, 1f / 2.02f}, ClipMode.RESCALE.apply(loud).samples()[0]);
        Audio quiet = new Audio(2000, new float[][] {{0.5f, -0.9f}});
        assertArrayEquals(quiet.samples()[0], ClipMode.RESCALE.apply(quiet).samples()[0], "max(1.01·0.9, 1) = 1");
        assertArrayEquals(new float[] {0.5f, -0.99f, 0.99f}, ClipMode.CLAMP.apply(loud).samples()[0]);
        assertArrayEquals(loud.samples()[0], ClipMode.NONE.apply(loud).samples()[0]);
        assertNotEquals(0, ClipMode.RESCALE.apply(loud).samples()[0][0]);
    }
}

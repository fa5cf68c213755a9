package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.pytorch.checkpoint.Fraction;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HTDemucsConfigTest {
    private static final List<String> FOUR_SOURCES = List.of("drums", "bass", "other", "vocals");

    private static Map<String, Object> kwargs(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sources", FOUR_SOURCES);
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    @Test
    void absentKwargsTakeTheDefaultsOfHTDemucsInit() throws PluginException {
        HTDemucsConfig c = HTDemucsConfig.fromKwargs(kwargs());
        assertEquals(FOUR_SOURCES, c.sources());
        assertEquals(2, c.audioChannels());
        assertEquals(48, c.channels());
        assertEquals(48, c.channelsTime());
        assertEquals(4096, c.nfft());
        assertEquals(1024, c.hop());
        assertEquals(2048, c.bins());
        assertEquals(4, c.depth());
        assertEquals(0.2, c.freqEmb());
        assertEquals(1, c.dconvMode());
        assertEquals(5, c.tLayers());
        assertEquals(8, c.tHeads());
        assertEquals(384, c.transformerChannels());
        assertEquals(1536, c.transformerHiddenChannels());
        assertEquals(1, c.tNormOut());
        assertEquals(0, c.tGroupNorm());
        assertTrue(c.tNormFirst());
        assertEquals(44100, c.samplerate());
        assertEquals(441000, c.segmentSamples(), "segment=10 s");
        assertEquals(431, c.frames());
        assertEquals("10", c.effectiveKwargsAsText().get("segment"));
        assertEquals("True", c.effectiveKwargsAsText().get("cac"));
        assertEquals("['drums', 'bass', 'other', 'vocals']", c.effectiveKwargsAsText().get("sources"));
    }

    @ParameterizedTest(name = "segment {0}/{1} s at 44.1 kHz is {2} samples")
    @CsvSource({"39, 5, 343980", "1, 2, 22050", "1, 3, 14700", "10, 1, 441000"})
    void fractionSegmentIsExact(long numerator, long denominator, int samples) throws PluginException {
        assertEquals(samples, HTDemucsConfig.fromKwargs(kwargs("segment", Fraction.of(numerator, denominator))).segmentSamples());
    }

    @Test
    void floatSegmentTruncatesLikePythonInt() throws PluginException {
        // 0.35 * 44100 == 15434.999999999998 in double; int() gives 15434
        assertEquals(15434, HTDemucsConfig.fromKwargs(kwargs("segment", 0.35)).segmentSamples());
        assertEquals(343980, HTDemucsConfig.fromKwargs(kwargs("segment", 7.8)).segmentSamples());
    }

    @Test
    void sourcesMayBePositional() throws PluginException {
        Map<String, Object> kw = new LinkedHashMap<>(Map.of("channels", 8L));
        HTDemucsConfig c = HTDemucsConfig.fromArguments(List.of(FOUR_SOURCES), kw);
        assertEquals(FOUR_SOURCES, c.sources());
        assertEquals(8, c.channels());
        PluginException twice = assertThrows(PluginException.class, () -> HTDemucsConfig.fromArguments(List.of(FOUR_SOURCES), kwargs()));
        assertTrue(twice.getMessage().contains("'sources'"), twice.getMessage());
    }

    @Test
    void unknownKwargsAreNamed() {
        PluginException e = assertThrows(PluginException.class, () -> HTDemucsConfig.fromKwargs(kwargs("t_foo", 1L, "hybrid", true)));
        assertTrue(e.getMessage().contains("[hybrid, t_foo]"), e.getMessage());
    }

    @Test
    void missingSourcesIsAnError() {
        PluginException e = assertThrows(PluginException.class, () -> HTDemucsConfig.fromArguments(List.of(), Map.of("channels", 8L)));
        assertTrue(e.getMessage().contains("sources"), e.getMessage());
    }

    @Test
    void wrongTypesNameTheKwarg() {
        PluginException e = assertThrows(PluginException.class, () -> HTDemucsConfig.fromKwargs(kwargs("depth", "four")));
        assertTrue(e.getMessage().contains("'depth' must be an integer") && e.getMessage().contains("four"), e.getMessage());
        e = assertThrows(PluginException.class, () -> HTDemucsConfig.fromKwargs(kwargs("segment", "long")));
        assertTrue(e.getMessage().contains("'segment'"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unsupported: cac=False|cac|false",
            "unsupported: t_emb=cape|t_emb|cape",
            "unsupported: t_emb=scaled|t_emb|scaled",
            "unsupported: t_sparse_self_attn=True|t_sparse_self_attn|true",
            "unsupported: t_sparse_cross_attn=True|t_sparse_cross_attn|true",
            "unsupported: t_sin_random_shift=2|t_sin_random_shift|2",
            "unsupported: multi_freqs=[0.5]|multi_freqs|[0.5]"})
    void unsupportedOptionsAreNamedWithTheirValue(String expected, String key, String value) {
        Object v = switch (value) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            case "2" -> 2L;
            case "[0.5]" -> List.of(0.5);
            default -> value;
        };
        PluginException e = assertThrows(PluginException.class, () -> HTDemucsConfig.fromKwargs(kwargs(key, v)));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void optionsThatDoNotChangeTheInferenceGraphAreAccepted() throws PluginException {
        // With complex-as-channels, _mask ignores Wiener filtering; the rest are training-time settings.
        HTDemucsConfig c = HTDemucsConfig.fromKwargs(kwargs("wiener_iters", 1L, "end_iters", 1L, "wiener_residual", true,
                "t_dropout", 0.1, "rescale", 0.2, "t_lr", 1e-4, "t_weight_decay", 0.05, "emb_smooth", false,
                "multi_freqs", List.of(), "t_cape_augment", false, "t_mask_type", "diag_jmask"));
        assertFalse(c.effectiveKwargsAsText().isEmpty());
        PluginException e = assertThrows(PluginException.class,
                () -> HTDemucsConfig.fromKwargs(kwargs("wiener_iters", 1L, "end_iters", 0L)));
        assertTrue(e.getMessage().contains("wiener_iters=1") && e.getMessage().contains("end_iters=0"), e.getMessage());
    }

    @Test
    void groupNormOptionsTakePythonIntOfTheirValue() throws PluginException {
        HTDemucsConfig c = HTDemucsConfig.fromKwargs(kwargs("t_group_norm", true, "t_norm_out", false, "t_norm_in", false,
                "t_norm_in_group", 2L));
        assertEquals(1, c.tGroupNorm());
        assertEquals(0, c.tNormOut());
        assertEquals(2, c.tNormInGroup());
    }

    @Test
    void transformerWidthMustSplitIntoHeads() {
        PluginException e = assertThrows(PluginException.class, () -> HTDemucsConfig.fromKwargs(kwargs("t_heads", 7L)));
        assertTrue(e.getMessage().contains("t_heads=7"), e.getMessage());
    }
}

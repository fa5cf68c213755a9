package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.pytorch.checkpoint.Fraction;
import dev.htdemucs.spi.PluginException;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The hyper-parameters of a demucs {@code HTDemucs} model, read from the checkpoint's {@code kwargs} with
 * the defaults of {@code HTDemucs.__init__} (demucs v4) for every key that is absent.
 *
 * <p>Three kinds of kwargs exist. Those that shape the inference graph are read into typed fields. Those
 * that only matter for training or weight initialisation ({@code rescale}, {@code dconv_init},
 * {@code emb_smooth}, {@code t_dropout}, {@code t_weight_decay}, {@code t_lr}) and those that only matter
 * for features we refuse (the sparse-attention and CAPE settings) are accepted and kept as text for the
 * metadata. Values that would need a feature this builder does not implement fail with
 * {@code unsupported: <kwarg>=<value>}; kwargs {@code HTDemucs.__init__} does not know fail too, naming them.
 */
public final class HTDemucsConfig {

    /** Every keyword {@code HTDemucs.__init__} takes, with its default (Python values as the reader gives them). */
    private static final Map<String, Object> DEFAULTS = defaults();

    private final Map<String, Object> kwargs;

    private final List<String> sources;
    private final int audioChannels;
    private final int channels;
    private final Integer channelsTime;
    private final double growth;
    private final int nfft;
    private final int depth;
    private final boolean rewrite;
    private final double freqEmb;
    private final double embScale;
    private final int kernelSize;
    private final int timeStride;
    private final int stride;
    private final int context;
    private final int contextEnc;
    private final int normStarts;
    private final int normGroups;
    private final int dconvMode;
    private final int dconvDepth;
    private final double dconvComp;
    private final int bottomChannels;
    private final int tLayers;
    private final double tHiddenScale;
    private final int tHeads;
    private final boolean tNormIn;
    private final int tNormInGroup;
    private final int tGroupNorm;
    private final boolean tNormFirst;
    private final int tNormOut;
    private final double tMaxPeriod;
    private final boolean tLayerScale;
    private final boolean tGelu;
    private final double tWeightPosEmbed;
    private final boolean tCrossFirst;
    private final int samplerate;
    private final Object segment;
    private final boolean useTrainSegment;

    private HTDemucsConfig(Map<String, Object> kwargs) throws PluginException {
        this.kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
        sources = stringList("sources");
        if (sources.isEmpty()) throw invalid("sources", "a non-empty list of source names");
        audioChannels = positiveInt("audio_channels");
        channels = positiveInt("channels");
        channelsTime = get("channels_time") == null ? null : positiveInt("channels_time");
        growth = number("growth");
        nfft = positiveInt("nfft");
        if (nfft % 4 != 0) throw invalid("nfft", "a multiple of 4 (hop = nfft / 4)");
        depth = positiveInt("depth");
        rewrite = bool("rewrite");
        freqEmb = number("freq_emb");
        embScale = number("emb_scale");
        kernelSize = positiveInt("kernel_size");
        timeStride = positiveInt("time_stride");
        stride = positiveInt("stride");
        context = nonNegativeInt("context");
        contextEnc = nonNegativeInt("context_enc");
        normStarts = integer("norm_starts");
        normGroups = positiveInt("norm_groups");
        dconvMode = nonNegativeInt("dconv_mode");
        dconvDepth = integer("dconv_depth");
        dconvComp = number("dconv_comp");
        bottomChannels = nonNegativeInt("bottom_channels");
        tLayers = nonNegativeInt("t_layers");
        tHiddenScale = number("t_hidden_scale");
        tHeads = positiveInt("t_heads");
        tNormIn = bool("t_norm_in");
        tNormInGroup = intOrBool("t_norm_in_group");
        tGroupNorm = intOrBool("t_group_norm");
        tNormFirst = bool("t_norm_first");
        tNormOut = intOrBool("t_norm_out");
        tMaxPeriod = number("t_max_period");
        tLayerScale = bool("t_layer_scale");
        tGelu = bool("t_gelu");
        tWeightPosEmbed = number("t_weight_pos_embed");
        tCrossFirst = bool("t_cross_first");
        samplerate = positiveInt("samplerate");
        segment = get("segment");
        if (!(segment instanceof Fraction || segment instanceof Long || segment instanceof Double)) {
            throw wrongType("segment", "a duration in seconds (Fraction, int or float)");
        }
        useTrainSegment = bool("use_train_segment");

        // HTDemucs.__init__ asserts this; a checkpoint breaking it could not have been built by demucs.
        if (integer("wiener_iters") != integer("end_iters")) {
            throw new PluginException("invalid kwargs: wiener_iters=" + get("wiener_iters") + " and end_iters="
                    + get("end_iters") + " must be equal (HTDemucs.__init__ asserts it)");
        }
        // Read for type checking only: these don't change the inference graph.
        bool("wiener_residual");
        number("rescale");
        number("dconv_init");
        bool("emb_smooth");
        number("t_dropout");
        integer("multi_freqs_depth");
        integer("t_max_positions");
        bool("t_cape_mean_normalize");
        bool("t_cape_augment");
        bool("t_auto_sparsity");
        refuseUnsupported();
        if (segmentSamples() <= 0) throw invalid("segment", "a positive duration in seconds");
    }

    /** {@link #fromArguments} without positional arguments. */
    public static HTDemucsConfig fromKwargs(Map<String, Object> kwargs) throws PluginException {
        return fromArguments(List.of(), kwargs);
    }

    /**
     * Reads the constructor arguments of a demucs package ({@code package['args']}, {@code package['kwargs']}):
     * positional arguments bind to {@code HTDemucs.__init__}'s parameters in order (demucs' own training code
     * passes {@code sources} positionally), absent keys take the defaults.
     *
     * @throws PluginException naming the kwarg: unknown keys, values of the wrong type, and
     *                         {@code unsupported: <kwarg>=<value>} for options this builder cannot express
     */
    public static HTDemucsConfig fromArguments(List<?> args, Map<String, Object> kwargs) throws PluginException {
        List<String> parameters = new ArrayList<>(DEFAULTS.keySet());
        if (args.size() > parameters.size()) {
            throw new PluginException("HTDemucs.__init__ takes " + parameters.size() + " arguments, the checkpoint passes "
                    + args.size() + " positionally");
        }
        Map<String, Object> all = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) all.put(parameters.get(i), args.get(i));
        for (Map.Entry<String, Object> e : kwargs.entrySet()) {
            if (all.containsKey(e.getKey())) {
                throw new PluginException("HTDemucs argument '" + e.getKey() + "' is given both positionally (argument "
                        + parameters.indexOf(e.getKey()) + ") and as a keyword");
            }
            all.put(e.getKey(), e.getValue());
        }
        Set<String> unknown = new TreeSet<>(all.keySet());
        unknown.removeAll(DEFAULTS.keySet());
        if (!unknown.isEmpty()) {
            throw new PluginException("unknown HTDemucs kwargs " + unknown + ": HTDemucs.__init__ (demucs v4) takes "
                    + new TreeSet<>(DEFAULTS.keySet()));
        }
        if (!all.containsKey("sources")) {
            throw new PluginException("the checkpoint's args and kwargs have no 'sources': HTDemucs needs the list of source names");
        }
        return new HTDemucsConfig(all);
    }

    private void refuseUnsupported() throws PluginException {
        // Without complex-as-channels the output is a magnitude mask for Wiener filtering / phase reuse,
        // which the istft boundary op does not implement.
        if (!bool("cac")) throw unsupported("cac");
        Object multi = get("multi_freqs");
        if (multi != null && !(multi instanceof List<?> l && l.isEmpty())) throw unsupported("multi_freqs");
        if (!"sin".equals(get("t_emb"))) throw unsupported("t_emb");
        // demucs draws the shift with random.randrange at every forward: no fixed graph computes that.
        if (integer("t_sin_random_shift") != 0) throw unsupported("t_sin_random_shift");
        if (bool("t_sparse_self_attn")) throw unsupported("t_sparse_self_attn");
        if (bool("t_sparse_cross_attn")) throw unsupported("t_sparse_cross_attn");
        if (tLayers > 0 && transformerChannels() % tHeads != 0) {
            throw invalid("t_heads", "a divisor of the transformer width " + transformerChannels());
        }
        if (tLayers > 0 && transformerChannels() % 4 != 0) {
            throw invalid("channels", "a transformer width divisible by 4 (2-D sin embedding), got " + transformerChannels());
        }
        if (transformerChannelsExact() != Math.rint(transformerChannelsExact())) {
            throw invalid("growth", "a factor making channels * growth ** (depth - 1) an integer");
        }
    }

    // ------------------------------------------------------------------------------------------ accessors

    /** The arguments as the checkpoint stored them, positional ones under their parameter names (no defaults filled in). */
    public Map<String, Object> kwargs() { return kwargs; }

    public List<String> sources() { return sources; }
    public int audioChannels() { return audioChannels; }
    public int channels() { return channels; }
    /** {@code channels_time}, or {@code channels} when it is None. */
    public int channelsTime() { return channelsTime != null ? channelsTime : channels; }
    public double growth() { return growth; }
    public int nfft() { return nfft; }
    /** STFT hop: {@code nfft / 4}, as demucs fixes it. */
    public int hop() { return nfft / 4; }
    /** Frequency bins the network sees: {@code nfft / 2} (demucs drops the Nyquist bin). */
    public int bins() { return nfft / 2; }
    public int depth() { return depth; }
    public boolean rewrite() { return rewrite; }
    public double freqEmb() { return freqEmb; }
    public double embScale() { return embScale; }
    public int kernelSize() { return kernelSize; }
    public int timeStride() { return timeStride; }
    public int stride() { return stride; }
    public int context() { return context; }
    public int contextEnc() { return contextEnc; }
    public int normStarts() { return normStarts; }
    public int normGroups() { return normGroups; }
    public int dconvMode() { return dconvMode; }
    public int dconvDepth() { return dconvDepth; }
    public double dconvComp() { return dconvComp; }
    public int bottomChannels() { return bottomChannels; }
    public int tLayers() { return tLayers; }
    public double tHiddenScale() { return tHiddenScale; }
    public int tHeads() { return tHeads; }
    public boolean tNormIn() { return tNormIn; }
    /** Groups of the {@code MyGroupNorm} input norm used when {@code t_norm_in} is False (0 = none). */
    public int tNormInGroup() { return tNormInGroup; }
    /** Groups of the transformer layers' {@code MyGroupNorm} norms (0 = LayerNorm). */
    public int tGroupNorm() { return tGroupNorm; }
    public boolean tNormFirst() { return tNormFirst; }
    /** {@code int(t_norm_out)}: groups of the output norm (0 = none). */
    public int tNormOut() { return tNormOut; }
    public double tMaxPeriod() { return tMaxPeriod; }
    public boolean tLayerScale() { return tLayerScale; }
    public boolean tGelu() { return tGelu; }
    public double tWeightPosEmbed() { return tWeightPosEmbed; }
    public boolean tCrossFirst() { return tCrossFirst; }
    public int samplerate() { return samplerate; }
    public boolean useTrainSegment() { return useTrainSegment; }

    /** Channels entering the cross-transformer before any bottom projection: {@code channels * growth ** (depth - 1)}. */
    public int transformerInputChannels() {
        return (int) Math.round(transformerChannelsExact());
    }

    /** Width of the cross-transformer: {@code bottom_channels} when set, else {@link #transformerInputChannels()}. */
    public int transformerChannels() {
        return bottomChannels > 0 ? bottomChannels : transformerInputChannels();
    }

    private double transformerChannelsExact() {
        return channels * Math.pow(growth, depth - 1);
    }

    /** Hidden width of the transformer feed-forward blocks: {@code int(dim * t_hidden_scale)}. */
    public int transformerHiddenChannels() {
        return (int) (transformerChannels() * tHiddenScale);
    }

    /**
     * Samples per segment, as {@code HTDemucs.forward} computes its training length:
     * {@code int(self.segment * self.samplerate)}, exact for a Fraction and truncating like Python's int().
     */
    public int segmentSamples() {
        if (segment instanceof Fraction f) {
            BigInteger product = BigInteger.valueOf(f.numerator()).multiply(BigInteger.valueOf(samplerate));
            return product.divide(BigInteger.valueOf(f.denominator())).intValueExact();
        }
        if (segment instanceof Long l) return Math.toIntExact(l * samplerate);
        if (segment instanceof Double d) return (int) (d * samplerate);
        throw new IllegalStateException("segment " + segment + " was checked in the constructor");
    }

    /** The segment length in seconds as demucs prints it (e.g. {@code 39/5}). */
    public String segmentText() {
        return pythonText(segment);
    }

    /** STFT frames of one segment: {@code ceil(segmentSamples / hop)}. */
    public int frames() {
        return (segmentSamples() + hop() - 1) / hop();
    }

    /** Every kwarg with its effective value (defaults filled in), as Python would print it, sorted by name. */
    public Map<String, String> effectiveKwargsAsText() {
        Map<String, String> text = new java.util.TreeMap<>();
        for (String key : DEFAULTS.keySet()) text.put(key, pythonText(get(key)));
        return text;
    }

    // -------------------------------------------------------------------------------------------- reading

    private Object get(String key) {
        return kwargs.containsKey(key) ? kwargs.get(key) : DEFAULTS.get(key);
    }

    private PluginException wrongType(String key, String expected) {
        Object v = get(key);
        return new PluginException("kwarg '" + key + "' must be " + expected + ", found "
                + (v == null ? "None" : v.getClass().getSimpleName() + " " + pythonText(v)));
    }

    private PluginException invalid(String key, String expected) {
        return new PluginException("invalid kwarg " + key + "=" + pythonText(get(key)) + ": expected " + expected);
    }

    private PluginException unsupported(String key) {
        return new PluginException("unsupported: " + key + "=" + pythonText(get(key)));
    }

    private int integer(String key) throws PluginException {
        Object v = get(key);
        if (v instanceof Long l && l == (int) (long) l) return (int) (long) l;
        throw wrongType(key, "an integer");
    }

    private int positiveInt(String key) throws PluginException {
        int v = integer(key);
        if (v <= 0) throw invalid(key, "a positive integer");
        return v;
    }

    private int nonNegativeInt(String key) throws PluginException {
        int v = integer(key);
        if (v < 0) throw invalid(key, "an integer >= 0");
        return v;
    }

    /** Python {@code int(x)} of a kwarg that demucs documents as bool but uses as a group count. */
    private int intOrBool(String key) throws PluginException {
        Object v = get(key);
        if (v instanceof Boolean b) return b ? 1 : 0;
        if (v instanceof Long) return nonNegativeInt(key);
        throw wrongType(key, "a bool or an integer");
    }

    private double number(String key) throws PluginException {
        Object v = get(key);
        if (v instanceof Long l) return l;
        if (v instanceof Double d) return d;
        if (v instanceof Boolean b) return b ? 1 : 0;
        throw wrongType(key, "a number");
    }

    private boolean bool(String key) throws PluginException {
        Object v = get(key);
        if (v instanceof Boolean b) return b;
        if (v instanceof Long l && (l == 0 || l == 1)) return l == 1;
        throw wrongType(key, "a bool");
    }

    private List<String> stringList(String key) throws PluginException {
        Object v = get(key);
        if (!(v instanceof List<?> list)) throw wrongType(key, "a list of strings");
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) throw wrongType(key, "a list of strings");
            out.add(s);
        }
        return List.copyOf(out);
    }

    /** Python's repr-like spelling of a kwarg value, for messages and metadata. */
    static String pythonText(Object v) {
        if (v == null) return "None";
        if (v instanceof Boolean b) return b ? "True" : "False";
        if (v instanceof Double d) {
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16) return String.format(Locale.ROOT, "%.1f", d);
            return Double.toString(d);
        }
        if (v instanceof String s) return s;
        if (v instanceof List<?> l) {
            List<String> parts = new ArrayList<>();
            for (Object o : l) parts.add(o instanceof String s ? "'" + s + "'" : pythonText(o));
            return "[" + String.join(", ", parts) + "]";
        }
        return String.valueOf(v);
    }

    private static Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("sources", null);
        d.put("audio_channels", 2L);
        d.put("channels", 48L);
        d.put("channels_time", null);
        d.put("growth", 2L);
        d.put("nfft", 4096L);
        d.put("wiener_iters", 0L);
        d.put("end_iters", 0L);
        d.put("wiener_residual", false);
        d.put("cac", true);
        d.put("depth", 4L);
        d.put("rewrite", true);
        d.put("multi_freqs", null);
        d.put("multi_freqs_depth", 3L);
        d.put("freq_emb", 0.2);
        d.put("emb_scale", 10L);
        d.put("emb_smooth", true);
        d.put("kernel_size", 8L);
        d.put("time_stride", 2L);
        d.put("stride", 4L);
        d.put("context", 1L);
        d.put("context_enc", 0L);
        d.put("norm_starts", 4L);
        d.put("norm_groups", 4L);
        d.put("dconv_mode", 1L);
        d.put("dconv_depth", 2L);
        d.put("dconv_comp", 8L);
        d.put("dconv_init", 1e-3);
        d.put("bottom_channels", 0L);
        d.put("t_layers", 5L);
        d.put("t_emb", "sin");
        d.put("t_hidden_scale", 4.0);
        d.put("t_heads", 8L);
        d.put("t_dropout", 0.0);
        d.put("t_max_positions", 10000L);
        d.put("t_norm_in", true);
        d.put("t_norm_in_group", false);
        d.put("t_group_norm", false);
        d.put("t_norm_first", true);
        d.put("t_norm_out", true);
        d.put("t_max_period", 10000.0);
        d.put("t_weight_decay", 0.0);
        d.put("t_lr", null);
        d.put("t_layer_scale", true);
        d.put("t_gelu", true);
        d.put("t_weight_pos_embed", 1.0);
        d.put("t_sin_random_shift", 0L);
        d.put("t_cape_mean_normalize", true);
        d.put("t_cape_augment", true);
        d.put("t_cape_glob_loc_scale", List.of(5000.0, 1.0, 1.4));
        d.put("t_sparse_self_attn", false);
        d.put("t_sparse_cross_attn", false);
        d.put("t_mask_type", "diag");
        d.put("t_mask_random_seed", 42L);
        d.put("t_sparse_attn_window", 500L);
        d.put("t_global_window", 100L);
        d.put("t_sparsity", 0.95);
        d.put("t_auto_sparsity", false);
        d.put("t_cross_first", false);
        d.put("rescale", 0.1);
        d.put("samplerate", 44100L);
        d.put("segment", 10L);
        d.put("use_train_segment", true);
        return Collections.unmodifiableMap(d);
    }
}

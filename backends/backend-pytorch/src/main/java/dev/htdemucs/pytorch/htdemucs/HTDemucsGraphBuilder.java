package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.pytorch.htdemucs.HTDemucsLayout.Layer;
import dev.htdemucs.spi.PluginException;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import static dev.htdemucs.spi.InnerNetworkNames.MIX;
import static dev.htdemucs.spi.InnerNetworkNames.SPEC;
import static dev.htdemucs.spi.InnerNetworkNames.SPEC_OUT;
import static dev.htdemucs.spi.InnerNetworkNames.WAVE_OUT;

/**
 * Builds the IR graph of {@code HTDemucs.forward} (demucs v4) from its hyper-parameters and state dict.
 *
 * <p>Two graphs: the <b>inner</b> graph ({@link #buildInner}) is the network between {@code _magnitude} and
 * {@code _mask}: inputs {@code mix [1, C, L]} and {@code spec [1, 2C, F, T]}, outputs
 * {@code spec_out [1, S, 2C, F, T]} and {@code wave_out [1, S, C, L]}, both de-normalised. The <b>full</b>
 * graph ({@link #buildFull}) wraps it in the boundary ops: {@code mix → stft → inner → istft(spec_out) +
 * wave_out → output [1, S, C, L]}. L is the model's segment length, F = nfft / 2, T = ceil(L / hop).
 *
 * <p>Naming: weights are {@code const} nodes named after their state-dict key (e.g.
 * {@code encoder.0.conv.weight}); ops are named after the PyTorch module computing them (e.g.
 * {@code encoder.0.conv}, {@code crosstransformer.layers.0.self_attn.softmax}). <b>The last node of every
 * encoder/decoder layer carries the layer's module name</b>, so its output is the layer's output as a
 * forward hook sees it: golden {@code encoderI.npy}, {@code tencoderI.npy}, {@code decoderI.npy},
 * {@code tdecoderI.npy} are the values of nodes {@code encoder.I}, {@code tencoder.I}, {@code decoder.I},
 * {@code tdecoder.I} (decoders: the first element of the returned tuple; encoder 0: before the frequency
 * embedding is added, which is node {@code freq_emb}). See {@link dev.htdemucs.spi.LayerNodes#outputNode}.
 *
 * <p>Numerics follow PyTorch's float32 evaluation: fp16 checkpoint weights are widened exactly, positional
 * embeddings ({@link PositionalEmbedding}) and the scaled frequency embedding are computed as torch computes
 * them in float32.
 */
public final class HTDemucsGraphBuilder {
    public static final String INNER_GRAPH = "htdemucs_inner";
    public static final String FULL_GRAPH = "htdemucs";
    public static final String OUTPUT = "output";

    /** HTDemucs.forward's input normalisation: {@code (x - mean) / (1e-5 + std)}. */
    private static final float INPUT_NORM_EPS = 1e-5f;
    /** Default eps of torch.nn.GroupNorm and LayerNorm, which demucs never overrides. */
    private static final double TORCH_NORM_EPS = 1e-5;
    /** DConv's dilated convolutions all have kernel 3. */
    private static final int DCONV_KERNEL = 3;

    private final HTDemucsConfig config;
    private final HTDemucsLayout layout;
    private final StateDict state;
    private final GraphBuilder g;

    private HTDemucsGraphBuilder(HTDemucsConfig config, Map<String, Tensor> state, String graphName) {
        this.config = config;
        this.layout = new HTDemucsLayout(config);
        this.state = new StateDict(state);
        this.g = new GraphBuilder(graphName);
    }

    /**
     * The inner network (see the class comment).
     *
     * @param state the checkpoint's state dict (any floating dtype; fp16 is widened to float32 consts)
     * @throws PluginException naming the tensor when a key is missing, has the wrong shape, or is left unused
     */
    public static Graph buildInner(HTDemucsConfig config, Map<String, Tensor> state) throws PluginException {
        HTDemucsGraphBuilder b = new HTDemucsGraphBuilder(config, state, INNER_GRAPH);
        Value mix = b.g.input(MIX, b.mixType());
        Value spec = b.g.input(SPEC, b.specType());
        Value[] out = b.inner(mix, spec);
        b.state.requireAllConsumed();
        return b.g.output(SPEC_OUT, out[0]).output(WAVE_OUT, out[1]).build();
    }

    /** The full segment graph: {@code mix → stft → inner → istft + wave_out → output}. */
    public static Graph buildFull(HTDemucsConfig config, Map<String, Tensor> state) throws PluginException {
        HTDemucsGraphBuilder b = new HTDemucsGraphBuilder(config, state, FULL_GRAPH);
        int length = config.segmentSamples();
        Value mix = b.g.input(MIX, b.mixType());
        Value spec = b.g.op("stft", "stft", Attributes.of("n_fft", config.nfft(), "hop", config.hop()), mix);
        Value[] out = b.inner(mix, spec);
        b.state.requireAllConsumed();
        Value specWave = b.g.op("istft", "istft",
                Attributes.of("n_fft", config.nfft(), "hop", config.hop(), "length", length), out[0]);
        Value output = b.g.op("add", OUTPUT, null, specWave, out[1]);
        return b.g.output(OUTPUT, output).build();
    }

    private TensorType mixType() {
        return TensorType.f32(1, config.audioChannels(), config.segmentSamples());
    }

    private TensorType specType() {
        return TensorType.f32(1, 2 * config.audioChannels(), config.bins(), config.frames());
    }

    // ------------------------------------------------------------------------------------- HTDemucs.forward

    /** Returns {spec_out, wave_out}. */
    private Value[] inner(Value mix, Value spec) throws PluginException {
        requireShape(mix, mixType(), MIX);
        requireShape(spec, specType(), SPEC);
        Normalized x0 = normalize("spec_norm", spec);
        Normalized xt0 = normalize("mix_norm", mix);
        Value x = x0.value;
        Value xt = xt0.value;

        List<Layer> encoders = layout.encoders();
        List<Layer> tencoders = layout.tencoders();
        Deque<Value> saved = new ArrayDeque<>();
        Deque<Value> savedT = new ArrayDeque<>();
        Deque<Integer> lengthsT = new ArrayDeque<>();
        for (int idx = 0; idx < encoders.size(); idx++) {
            Value inject = null;
            if (idx < tencoders.size()) {
                Layer tenc = tencoders.get(idx);
                lengthsT.push(xt.type().dim(-1));
                xt = encoder(tenc, xt, null);
                if (!tenc.empty()) {
                    savedT.push(xt);
                } else {
                    inject = xt;
                }
            }
            x = encoder(encoders.get(idx), x, inject);
            if (idx == 0 && layout.frequencyEmbedding() != null) {
                x = frequencyEmbedding(x);
            }
            saved.push(x);
        }

        if (config.tLayers() > 0) {
            Value[] both = bottleneck(x, xt);
            x = both[0];
            xt = both[1];
        } else if (config.bottomChannels() > 0) {
            // HTDemucs.forward applies the channel projections only around a transformer; they still exist.
            int c = config.transformerInputChannels(), b = config.bottomChannels();
            for (String m : List.of("channel_upsampler", "channel_upsampler_t")) {
                state.skip(m + ".weight", b, c, 1);
                state.skip(m + ".bias", b);
            }
            for (String m : List.of("channel_downsampler", "channel_downsampler_t")) {
                state.skip(m + ".weight", c, b, 1);
                state.skip(m + ".bias", c);
            }
        }

        List<Layer> decoders = layout.decoders();
        List<Layer> tdecoders = layout.tdecoders();
        int offset = config.depth() - tdecoders.size();
        for (int idx = 0; idx < decoders.size(); idx++) {
            Value skip = saved.pop();
            Value[] zy = decoder(decoders.get(idx), x, skip, -1);
            x = zy[0];
            Value pre = zy[1];
            if (idx >= offset) {
                Layer tdec = tdecoders.get(idx - offset);
                int lengthT = lengthsT.pop();
                if (tdec.empty()) {
                    int[] s = pre.type().shape();
                    if (s[2] != 1) {
                        throw new PluginException("decoder " + decoders.get(idx).module() + " leaves " + s[2]
                                + " frequency bins where the time branch splits off; HTDemucs expects 1");
                    }
                    pre = reshape(tdec.module() + ".from_freq", pre, s[0], s[1], s[3]);
                    xt = decoder(tdec, pre, null, lengthT)[0];
                } else {
                    xt = decoder(tdec, xt, savedT.pop(), lengthT)[0];
                }
            }
        }

        int sources = config.sources().size();
        int[] xs = x.type().shape();
        x = reshape("spec_out.split_sources", x, xs[0], sources, xs[1] / sources, xs[2], xs[3]);
        Value specOut = denormalize(SPEC_OUT, x, x0);
        int[] ts = xt.type().shape();
        xt = reshape("wave_out.split_sources", xt, ts[0], sources, ts[1] / sources, ts[2]);
        Value waveOut = denormalize(WAVE_OUT, xt, xt0);

        int[] specExpected = {1, sources, 2 * config.audioChannels(), config.bins(), config.frames()};
        int[] waveExpected = {1, sources, config.audioChannels(), config.segmentSamples()};
        requireShape(specOut, TensorType.f32(specExpected), SPEC_OUT);
        requireShape(waveOut, TensorType.f32(waveExpected), WAVE_OUT);
        return new Value[]{specOut, waveOut};
    }

    private record Normalized(Value value, Value mean, Value std) {}

    /** {@code (x - mean) / (1e-5 + std)} with mean and unbiased std over all axes but the batch. */
    private Normalized normalize(String name, Value x) {
        int rank = x.type().rank();
        int[] axes = new int[rank - 1];
        long count = 1;
        for (int i = 1; i < rank; i++) {
            axes[i - 1] = i;
            count *= x.type().dim(i);
        }
        Attributes reduce = Attributes.of("axes", axes, "keep_dims", true);
        Value mean = g.op("reduce_mean", name + ".mean", reduce, x);
        Value centered = g.op("sub", name + ".centered", null, x, mean);
        Value squares = g.op("mul", name + ".squares", null, centered, centered);
        // torch.std is unbiased: sum / (n - 1). The sum of ~10⁶ squares would overflow fp16 on loud audio; their
        // mean stays within the squares' range, and dividing it by (n - 1) / n (finer in float32 than n / (n - 1),
        // being just below 1) gives the unbiased variance
        Value meanSquare = g.op("reduce_mean", name + ".mean_squares", reduce, squares);
        Value variance = g.op("div", name + ".variance", null, meanSquare,
                g.scalar(name + ".unbiased", (float) ((double) (count - 1) / count)));
        Value std = g.op("sqrt", name + ".std", null, variance);
        Value denominator = g.op("add", name + ".std_eps", null, std, g.scalar(name + ".eps", INPUT_NORM_EPS));
        Value normalized = g.op("div", name, null, centered, denominator);
        return new Normalized(normalized, mean, std);
    }

    /** {@code x * std[:, None] + mean[:, None]}, x having one more (source) axis than the normalised input. */
    private Value denormalize(String name, Value x, Normalized stats) {
        int[] statShape = new int[x.type().rank()];
        Arrays.fill(statShape, 1);
        statShape[0] = stats.std.type().dim(0);
        Value std = reshape(name + ".std", stats.std, statShape);
        Value mean = reshape(name + ".mean", stats.mean, statShape);
        Value scaled = g.op("mul", name + ".scale", null, x, std);
        return g.op("add", name, null, scaled, mean);
    }

    /** {@code x + freq_emb_scale * freq_emb(arange(F)).t()[None, :, :, None]}, the embedding precomputed. */
    private Value frequencyEmbedding(Value x) throws PluginException {
        HTDemucsLayout.FrequencyEmbedding e = layout.frequencyEmbedding();
        int bins = e.bins(), channels = e.channels();
        if (x.type().dim(1) != channels || x.type().dim(2) != bins) {
            throw new PluginException("frequency embedding of " + bins + " bins x " + channels + " channels does not fit "
                    + "the first encoder's output " + x.type());
        }
        float[] w = state.take("freq_emb.embedding.weight", bins, channels).toFloatArray();
        // torch: (embedding(frs) * emb_scale) then freq_emb * that, each a float32 product
        float embScale = (float) config.embScale();
        float weight = (float) config.freqEmb();
        float[] emb = new float[channels * bins];
        for (int f = 0; f < bins; f++) {
            for (int c = 0; c < channels; c++) {
                emb[c * bins + f] = weight * (w[f * channels + c] * embScale);
            }
        }
        Value constant = g.constant("freq_emb.embedding.weight", Tensor.ofFloats(new int[]{1, channels, bins, 1}, emb));
        return g.op("add", "freq_emb", null, x, constant);
    }

    // ------------------------------------------------------------------------------------------- HEncLayer

    private Value encoder(Layer s, Value x, Value inject) throws PluginException {
        String p = s.module();
        if (!s.freq() && x.type().rank() == 4) {
            int[] d = x.type().shape();
            x = reshape(p + ".merge_freq", x, d[0], d[1] * d[2], d[3]);
        }
        int[] kernel, strides, pads;
        if (s.freq()) {
            kernel = new int[]{s.kernel(), 1};
            strides = new int[]{s.stride(), 1};
            pads = new int[]{s.pad(), s.pad(), 0, 0};
        } else {
            // HEncLayer zero-pads the time axis to a multiple of the stride; folded into the conv's end padding.
            int le = x.type().dim(-1);
            int extra = le % s.stride() == 0 ? 0 : s.stride() - le % s.stride();
            kernel = new int[]{s.kernel()};
            strides = new int[]{s.stride()};
            pads = new int[]{s.pad(), s.pad() + extra};
        }
        boolean hasDconv = s.dconv(), hasRewrite = config.rewrite();
        Value y = conv(s.empty() ? p : p + ".conv", p + ".conv", x, s.chout(), s.chin(), kernel, strides, pads, null);
        if (s.empty()) {
            return y;
        }
        if (inject != null) {
            if (inject.type().rank() == 3 && y.type().rank() == 4) {
                int[] d = inject.type().shape();
                inject = reshape(p + ".inject_freq_axis", inject, d[0], d[1], 1, d[2]);
            }
            y = g.op("add", p + ".inject", null, y, inject);
        }
        y = norm(p + ".norm1", y, s.norm(), s.chout());
        y = g.op("gelu", hasDconv || hasRewrite ? p + ".gelu" : p, null, y);
        if (hasDconv) {
            y = dconv(p + ".dconv", y, s.chout(), s.freq(), hasRewrite ? null : p);
        }
        if (hasRewrite) {
            y = rewrite(p + ".rewrite", y, s.chout(), s.freq(), s.context());
            y = norm(p + ".norm2", y, s.norm(), 2 * s.chout());
            y = g.op("glu", p, Attributes.of("axis", 1), y);
        }
        return y;
    }

    // ------------------------------------------------------------------------------------------- HDecLayer

    /** Returns {z, y}: the layer output and the input of its transposed conv. {@code length}: time layers only. */
    private Value[] decoder(Layer s, Value x, Value skip, int length) throws PluginException {
        String p = s.module();
        if (s.freq() && x.type().rank() == 3) {
            int[] d = x.type().shape();
            x = reshape(p + ".split_freq", x, d[0], s.chin(), d[1] / s.chin(), d[2]);
        }
        Value y = x;
        if (!s.empty()) {
            y = g.op("add", p + ".skip", null, x, skip);
            if (config.rewrite()) {
                y = rewrite(p + ".rewrite", y, s.chin(), s.freq(), s.context());
                y = norm(p + ".norm1", y, s.norm(), 2 * s.chin());
                y = g.op("glu", p + ".glu", Attributes.of("axis", 1), y);
            }
            if (s.dconv()) {
                y = dconv(p + ".dconv", y, s.chin(), s.freq(), null);
            }
        }
        boolean gelu = !s.last();
        boolean crop = !s.freq() || s.pad() > 0;
        int[] kernel = s.freq() ? new int[]{s.kernel(), 1} : new int[]{s.kernel()};
        int[] strides = s.freq() ? new int[]{s.stride(), 1} : new int[]{s.stride()};
        String convName = !gelu && !crop && !s.norm() ? p : p + ".conv_tr";
        Value z = convTranspose(convName, p + ".conv_tr", y, s.chin(), s.chout(), kernel, strides);
        z = norm(!gelu && !crop ? p : p + ".norm2", z, s.norm(), s.chout());
        if (crop) {
            int[] shape = z.type().shape();
            int[] begin = new int[shape.length];
            int[] end = shape.clone();
            if (s.freq()) {
                begin[2] = s.pad();
                end[2] = shape[2] - s.pad();
            } else {
                if (s.pad() + length > shape[2]) {
                    throw new PluginException(p + ": transposed conv output " + z.type() + " is shorter than pad "
                            + s.pad() + " + length " + length);
                }
                begin[2] = s.pad();
                end[2] = s.pad() + length;
            }
            z = g.op("slice", gelu ? p + ".crop" : p, Attributes.of("begin", begin, "end", end), z);
        }
        if (gelu) {
            z = g.op("gelu", p, null, z);
        }
        return new Value[]{z, y};
    }

    /** The 1x1 (plus context) rewrite conv: Conv2d with a square kernel on freq layers, Conv1d on time layers. */
    private Value rewrite(String module, Value x, int channels, boolean freq, int context) throws PluginException {
        int k = 1 + 2 * context;
        if (freq) {
            return conv(module, module, x, 2 * channels, channels, new int[]{k, k}, new int[]{1, 1},
                    new int[]{context, context, context, context}, null);
        }
        return conv(module, module, x, 2 * channels, channels, new int[]{k}, new int[]{1}, new int[]{context, context}, null);
    }

    // ----------------------------------------------------------------------------------------------- DConv

    /**
     * DConv residual branches. Frequency layers run it on {@code [B * F, C, T]} (demucs permutes the frequency
     * axis into the batch). {@code outputName}: name of the final node, or null for a sub-name.
     */
    private Value dconv(String module, Value x, int channels, boolean freq, String outputName) throws PluginException {
        // HTDemucsLayout gives layers with dconv_depth 0 no dconv, so there is at least one residual branch here
        int[] shape = x.type().shape();
        if (freq) {
            Value t = g.op("transpose", module + ".freq_to_batch", Attributes.of("perm", new int[]{0, 2, 1, 3}), x);
            x = reshape(module + ".freq_to_batch.reshape", t, shape[0] * shape[2], shape[1], shape[3]);
        }
        int depth = Math.abs(config.dconvDepth());
        boolean dilate = config.dconvDepth() > 0;
        int hidden = (int) (channels / config.dconvComp());
        for (int d = 0; d < depth; d++) {
            String l = module + ".layers." + d;
            int dilation = dilate ? 1 << d : 1;
            int padding = dilation * (DCONV_KERNEL / 2);
            Value h = conv(l + ".0", l + ".0", x, hidden, channels, new int[]{DCONV_KERNEL}, new int[]{1},
                    new int[]{padding, padding}, new int[]{dilation});
            h = groupNorm(l + ".1", h, 1, hidden);
            h = g.op("gelu", l + ".2", null, h);
            h = conv(l + ".3", l + ".3", h, 2 * channels, hidden, new int[]{1}, new int[]{1}, new int[]{0, 0}, null);
            h = groupNorm(l + ".4", h, 1, 2 * channels);
            h = g.op("glu", l + ".5", Attributes.of("axis", 1), h);
            // LayerScale on (B, C, T): scale[:, None] * x
            Value scale = g.constant(l + ".6.scale", state.take(l + ".6.scale", channels).reshape(channels, 1));
            h = g.op("mul", l + ".6", null, h, scale);
            boolean lastOp = !freq && d == depth - 1 && outputName != null;
            x = g.op("add", lastOp ? outputName : l + ".residual", null, x, h);
        }
        if (freq) {
            Value r = reshape(module + ".batch_to_freq", x, shape[0], shape[2], shape[1], shape[3]);
            x = g.op("transpose", outputName != null ? outputName : module + ".batch_to_freq.transpose",
                    Attributes.of("perm", new int[]{0, 2, 1, 3}), r);
        }
        return x;
    }

    // ----------------------------------------------------------------------------------- cross-transformer

    /** Channel projections (when {@code bottom_channels}) around the cross-transformer; returns {x, xt}. */
    private Value[] bottleneck(Value x, Value xt) throws PluginException {
        int bottom = config.bottomChannels();
        int channels = config.transformerInputChannels();
        int[] xs = x.type().shape();
        if (bottom > 0) {
            Value flat = reshape("channel_upsampler.flatten", x, xs[0], xs[1], xs[2] * xs[3]);
            Value up = conv1x1("channel_upsampler", flat, bottom, channels);
            x = reshape("channel_upsampler.unflatten", up, xs[0], bottom, xs[2], xs[3]);
            xt = conv1x1("channel_upsampler_t", xt, bottom, channels);
        }
        Value[] both = new CrossTransformer().apply(x, xt);
        x = both[0];
        xt = both[1];
        if (bottom > 0) {
            Value flat = reshape("channel_downsampler.flatten", x, xs[0], bottom, xs[2] * xs[3]);
            Value down = conv1x1("channel_downsampler", flat, channels, bottom);
            x = reshape("channel_downsampler.unflatten", down, xs[0], channels, xs[2], xs[3]);
            xt = conv1x1("channel_downsampler_t", xt, channels, bottom);
        }
        return new Value[]{x, xt};
    }

    /** CrossTransformerEncoder with its MyTransformerEncoderLayer / CrossTransformerEncoderLayer layers. */
    private final class CrossTransformer {
        private static final String P = "crosstransformer";
        private final int dim = config.transformerChannels();
        private final int heads = config.tHeads();
        private final int hidden = config.transformerHiddenChannels();
        private final int classicParity = config.tCrossFirst() ? 1 : 0;

        Value[] apply(Value x, Value xt) throws PluginException {
            int[] xs = x.type().shape(); // B, C, Fr, T1
            int b = xs[0], fr = xs[2], t1 = xs[3];
            // "b c fr t1 -> b (t1 fr) c"
            Value seq = g.op("transpose", P + ".to_sequence", Attributes.of("perm", new int[]{0, 3, 2, 1}), x);
            seq = reshape(P + ".to_sequence.reshape", seq, b, t1 * fr, dim);
            seq = inputNorm(P + ".norm_in", seq);
            PositionalEmbedding positions = new PositionalEmbedding(g, dim, config.tMaxPeriod(), config.tWeightPosEmbed());
            seq = positions.add2d(P + ".pos_emb_2d", seq, fr, t1);

            Value seqT = g.op("transpose", P + ".to_sequence_t", Attributes.of("perm", new int[]{0, 2, 1}), xt);
            seqT = inputNorm(P + ".norm_in_t", seqT);
            seqT = positions.add1d(P + ".pos_emb", seqT);

            for (int idx = 0; idx < config.tLayers(); idx++) {
                String l = P + ".layers." + idx, lt = P + ".layers_t." + idx;
                if (idx % 2 == classicParity) {
                    seq = encoderLayer(l, seq);
                    seqT = encoderLayer(lt, seqT);
                } else {
                    Value old = seq;
                    seq = crossLayer(l, seq, seqT);
                    seqT = crossLayer(lt, seqT, old);
                }
            }
            // "b (t1 fr) c -> b c fr t1"
            Value back = reshape(P + ".from_sequence.reshape", seq, b, t1, fr, dim);
            back = g.op("transpose", P + ".from_sequence", Attributes.of("perm", new int[]{0, 3, 2, 1}), back);
            Value backT = g.op("transpose", P + ".from_sequence_t", Attributes.of("perm", new int[]{0, 2, 1}), seqT);
            return new Value[]{back, backT};
        }

        private Value inputNorm(String module, Value x) throws PluginException {
            if (config.tNormIn()) return layerNorm(module, x);
            if (config.tNormInGroup() > 0) return myGroupNorm(module, x, config.tNormInGroup());
            return x;
        }

        /** LayerNorm, or MyGroupNorm when {@code t_group_norm}. */
        private Value layerNormOrGroup(String module, Value x) throws PluginException {
            return config.tGroupNorm() > 0 ? myGroupNorm(module, x, config.tGroupNorm()) : layerNorm(module, x);
        }

        private Value layerNorm(String module, Value x) throws PluginException {
            Value gamma = weight(module + ".weight", dim);
            Value beta = weight(module + ".bias", dim);
            return g.op("layer_norm", module, Attributes.of("axes", new int[]{-1}, "epsilon", TORCH_NORM_EPS), x, gamma, beta);
        }

        /** MyGroupNorm: GroupNorm over (B, C, T) of a (B, T, C) sequence. */
        private Value myGroupNorm(String module, Value x, int groups) throws PluginException {
            Value t = g.op("transpose", module + ".to_channels", Attributes.of("perm", new int[]{0, 2, 1}), x);
            Value n = groupNorm(module + ".group_norm", module, t, groups, dim);
            return g.op("transpose", module, Attributes.of("perm", new int[]{0, 2, 1}), n);
        }

        private boolean hasNormOut() {
            return config.tNormFirst() && (config.tNormOut() & 1) != 0;
        }

        /** MyTransformerEncoderLayer (self-attention). */
        private Value encoderLayer(String p, Value x) throws PluginException {
            if (config.tNormFirst()) {
                Value a = attention(p + ".self_attn", layerNormOrGroup(p + ".norm1", x), null);
                x = g.op("add", p + ".residual1", null, x, layerScale(p + ".gamma_1", a));
                Value f = feedForward(p, layerNormOrGroup(p + ".norm2", x));
                x = g.op("add", p + ".residual2", null, x, layerScale(p + ".gamma_2", f));
                if (hasNormOut()) x = myGroupNorm(p + ".norm_out", x, config.tNormOut());
            } else {
                Value a = attention(p + ".self_attn", x, null);
                x = layerNormOrGroup(p + ".norm1", g.op("add", p + ".residual1", null, x, layerScale(p + ".gamma_1", a)));
                Value f = feedForward(p, x);
                x = layerNormOrGroup(p + ".norm2", g.op("add", p + ".residual2", null, x, layerScale(p + ".gamma_2", f)));
            }
            return x;
        }

        /** CrossTransformerEncoderLayer: queries from q, keys and values from k. */
        private Value crossLayer(String p, Value q, Value k) throws PluginException {
            Value x;
            if (config.tNormFirst()) {
                Value a = attention(p + ".cross_attn", layerNormOrGroup(p + ".norm1", q), layerNormOrGroup(p + ".norm2", k));
                x = g.op("add", p + ".residual1", null, q, layerScale(p + ".gamma_1", a));
                Value f = feedForward(p, layerNormOrGroup(p + ".norm3", x));
                x = g.op("add", p + ".residual2", null, x, layerScale(p + ".gamma_2", f));
                if (hasNormOut()) x = myGroupNorm(p + ".norm_out", x, config.tNormOut());
            } else {
                Value a = attention(p + ".cross_attn", q, k);
                x = layerNormOrGroup(p + ".norm1", g.op("add", p + ".residual1", null, q, layerScale(p + ".gamma_1", a)));
                Value f = feedForward(p, x);
                x = layerNormOrGroup(p + ".norm2", g.op("add", p + ".residual2", null, x, layerScale(p + ".gamma_2", f)));
                // the post-norm path of CrossTransformerEncoderLayer never uses norm3
                state.skip(p + ".norm3.weight", dim);
                state.skip(p + ".norm3.bias", dim);
            }
            return x;
        }

        private Value layerScale(String module, Value x) throws PluginException {
            if (!config.tLayerScale()) return x;
            return g.op("mul", module, null, x, weight(module + ".scale", dim));
        }

        private Value feedForward(String p, Value x) throws PluginException {
            Value h = linear(p + ".linear1", x, hidden, dim, null);
            h = g.op(config.tGelu() ? "gelu" : "relu", p + ".activation", null, h);
            return linear(p + ".linear2", h, dim, hidden, null);
        }

        /**
         * nn.MultiheadAttention from primitives: per-head scaled dot-product attention. {@code kv} null means
         * self-attention. The packed in_proj weight is cut into its q, k, v rows at build time.
         */
        private Value attention(String p, Value q, Value kv) throws PluginException {
            if (kv == null) kv = q;
            float[] w = state.take(p + ".in_proj_weight", 3 * dim, dim).toFloatArray();
            float[] bias = state.take(p + ".in_proj_bias", 3 * dim).toFloatArray();
            int headDim = dim / heads;
            Value[] projected = new Value[3];
            String[] names = {"q", "k", "v"};
            for (int i = 0; i < 3; i++) {
                Value wi = g.constant(p + ".in_proj_weight." + names[i],
                        Tensor.ofFloats(new int[]{dim, dim}, Arrays.copyOfRange(w, i * dim * dim, (i + 1) * dim * dim)));
                Value bi = g.constant(p + ".in_proj_bias." + names[i],
                        Tensor.ofFloats(new int[]{dim}, Arrays.copyOfRange(bias, i * dim, (i + 1) * dim)));
                Value in = i == 0 ? q : kv;
                Value proj = g.op("linear", p + "." + names[i], null, in, wi, bi);
                int[] s = proj.type().shape(); // B, N, E
                Value split = reshape(p + "." + names[i] + ".heads", proj, s[0], s[1], heads, headDim);
                projected[i] = g.op("transpose", p + "." + names[i] + ".heads.transpose",
                        Attributes.of("perm", new int[]{0, 2, 1, 3}), split);
            }
            Value qs = g.op("mul", p + ".q.scaled", null, projected[0],
                    g.scalar(p + ".scale", (float) (1.0 / Math.sqrt(headDim))));
            Value scores = g.op("matmul", p + ".scores", Attributes.of("transpose_y", true), qs, projected[1]);
            Value weights = g.op("softmax", p + ".softmax", Attributes.of("axis", -1), scores);
            Value context = g.op("matmul", p + ".context", null, weights, projected[2]);
            Value merged = g.op("transpose", p + ".merge_heads", Attributes.of("perm", new int[]{0, 2, 1, 3}), context);
            int[] s = merged.type().shape(); // B, N, H, hd
            merged = reshape(p + ".merge_heads.reshape", merged, s[0], s[1], dim);
            return linear(p + ".out_proj", merged, dim, dim, null);
        }
    }

    // ------------------------------------------------------------------------------------ op helpers

    private Value weight(String key, int... shape) throws PluginException {
        return g.constant(key, state.take(key, shape));
    }

    private Value conv(String name, String module, Value x, int cout, int cin, int[] kernel, int[] strides, int[] pads,
                       int[] dilations) throws PluginException {
        int[] wShape = new int[2 + kernel.length];
        wShape[0] = cout;
        wShape[1] = cin;
        System.arraycopy(kernel, 0, wShape, 2, kernel.length);
        Value w = weight(module + ".weight", wShape);
        Value b = weight(module + ".bias", cout);
        Attributes.Builder a = Attributes.builder().put("strides", strides).put("pads", pads);
        if (dilations != null) a.put("dilations", dilations);
        return g.op("conv", name, a.build(), x, w, b);
    }

    private Value conv1x1(String module, Value x, int cout, int cin) throws PluginException {
        return conv(module, module, x, cout, cin, new int[]{1}, new int[]{1}, new int[]{0, 0}, null);
    }

    private Value convTranspose(String name, String module, Value x, int cin, int cout, int[] kernel, int[] strides)
            throws PluginException {
        int[] wShape = new int[2 + kernel.length];
        wShape[0] = cin;
        wShape[1] = cout;
        System.arraycopy(kernel, 0, wShape, 2, kernel.length);
        Value w = weight(module + ".weight", wShape);
        Value b = weight(module + ".bias", cout);
        return g.op("conv_transpose", name, Attributes.of("strides", strides), x, w, b);
    }

    private Value linear(String module, Value x, int out, int in, String name) throws PluginException {
        Value w = weight(module + ".weight", out, in);
        Value b = weight(module + ".bias", out);
        return g.op("linear", name != null ? name : module, null, x, w, b);
    }

    /** norm_fn of HEncLayer/HDecLayer: GroupNorm(norm_groups) when the layer normalises, identity otherwise. */
    private Value norm(String module, Value x, boolean enabled, int channels) throws PluginException {
        return enabled ? groupNorm(module, x, config.normGroups(), channels) : x;
    }

    private Value groupNorm(String module, Value x, int groups, int channels) throws PluginException {
        return groupNorm(module, module, x, groups, channels);
    }

    private Value groupNorm(String name, String module, Value x, int groups, int channels) throws PluginException {
        Value gamma = weight(module + ".weight", channels);
        Value beta = weight(module + ".bias", channels);
        return g.op("group_norm", name, Attributes.of("num_groups", groups, "epsilon", TORCH_NORM_EPS), x, gamma, beta);
    }

    private Value reshape(String name, Value x, int... shape) {
        return g.op("reshape", name, Attributes.of("shape", shape), x);
    }

    private static void requireShape(Value v, TensorType expected, String what) throws PluginException {
        if (!v.type().equals(expected)) {
            throw new PluginException(what + " is " + v.type() + " but the kwargs imply " + expected);
        }
    }
}

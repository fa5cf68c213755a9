package dev.htdemucs.pytorch.htdemucs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The layer structure {@code HTDemucs.__init__} derives from its kwargs: one {@link Layer} per
 * {@code encoder}, {@code tencoder}, {@code decoder} and {@code tdecoder} module, in module-list order (so
 * {@code decoders().get(0)} is {@code decoder.0}, the innermost decoder), plus the frequency embedding.
 * It mirrors the constructor loop statement by statement; the graph builder only walks it.
 */
public final class HTDemucsLayout {

    /**
     * One {@code HEncLayer} or {@code HDecLayer}.
     *
     * @param module     state-dict prefix, e.g. {@code encoder.0}
     * @param chin       input channels
     * @param chout      output channels
     * @param kernel     kernel size along frequency (freq layers) or time
     * @param stride     stride along the same axis
     * @param freq       acts on the frequency axis (2-D convs with [k, 1] kernels) rather than on time
     * @param pad        {@code kernel // 4} when the layer pads, else 0
     * @param norm       GroupNorm({@code norm_groups}) instead of identity for norm1/norm2
     * @param dconv      has a DConv residual branch
     * @param context    context of the 1x1 rewrite conv (kernel {@code 1 + 2 * context})
     * @param empty      only the first conv (encoder) or transposed conv (decoder): the time-branch layer at the
     *                   depth where both branches merge
     * @param last       the outermost decoder: no GELU after it
     */
    public record Layer(String module, int chin, int chout, int kernel, int stride, boolean freq, int pad,
                        boolean norm, boolean dconv, int context, boolean empty, boolean last) {}

    /** The {@code freq_emb} ScaledEmbedding: one row of {@code channels} per frequency bin after encoder 0. */
    public record FrequencyEmbedding(int bins, int channels) {}

    private final List<Layer> encoders = new ArrayList<>();
    private final List<Layer> tencoders = new ArrayList<>();
    private final List<Layer> decoders = new ArrayList<>();
    private final List<Layer> tdecoders = new ArrayList<>();
    private final FrequencyEmbedding frequencyEmbedding;

    public HTDemucsLayout(HTDemucsConfig c) {
        int chin = c.audioChannels();
        int chinZ = chin * 2; // complex as channels
        int chout = c.channelsTime();
        int choutZ = c.channels();
        int freqs = c.bins();
        FrequencyEmbedding emb = null;
        List<Layer> decodersOuterFirst = new ArrayList<>();
        List<Layer> tdecodersOuterFirst = new ArrayList<>();
        for (int index = 0; index < c.depth(); index++) {
            boolean norm = index >= c.normStarts();
            boolean freq = freqs > 1;
            int stri = c.stride();
            int ker = c.kernelSize();
            if (!freq) {
                ker = c.timeStride() * 2;
                stri = c.timeStride();
            }
            boolean pad = true;
            boolean lastFreq = false;
            if (freq && freqs <= c.kernelSize()) {
                ker = freqs;
                pad = false;
                lastFreq = true;
            }
            if (lastFreq) {
                choutZ = Math.max(chout, choutZ);
                chout = choutZ;
            }
            // a DConv of depth 0 has no layers: the identity
            boolean dconvEnc = (c.dconvMode() & 1) != 0 && c.dconvDepth() != 0;
            boolean dconvDec = (c.dconvMode() & 2) != 0 && c.dconvDepth() != 0;
            int padAmount = pad ? ker / 4 : 0;
            int timePad = c.kernelSize() / 4;
            encoders.add(new Layer("encoder." + index, chinZ, choutZ, ker, stri, freq, padAmount, norm, dconvEnc,
                    c.contextEnc(), false, false));
            if (freq) {
                tencoders.add(new Layer("tencoder." + index, chin, chout, c.kernelSize(), c.stride(), false, timePad,
                        norm, dconvEnc, c.contextEnc(), lastFreq, false));
            }
            if (index == 0) {
                chin = c.audioChannels() * c.sources().size();
                chinZ = chin * 2;
            }
            decodersOuterFirst.add(new Layer(null, choutZ, chinZ, ker, stri, freq, padAmount, norm, dconvDec,
                    c.context(), false, index == 0));
            if (freq) {
                tdecodersOuterFirst.add(new Layer(null, chout, chin, c.kernelSize(), c.stride(), false, timePad, norm,
                        dconvDec, c.context(), lastFreq, index == 0));
            }
            chin = chout;
            chinZ = choutZ;
            chout = (int) (c.growth() * chout);
            choutZ = (int) (c.growth() * choutZ);
            if (freq) {
                freqs = freqs <= c.kernelSize() ? 1 : freqs / c.stride();
            }
            if (index == 0 && c.freqEmb() != 0) {
                emb = new FrequencyEmbedding(freqs, chinZ);
            }
        }
        // demucs inserts decoders at the front of their ModuleList: module index 0 is the innermost layer.
        Collections.reverse(decodersOuterFirst);
        Collections.reverse(tdecodersOuterFirst);
        for (int i = 0; i < decodersOuterFirst.size(); i++) decoders.add(named(decodersOuterFirst.get(i), "decoder." + i));
        for (int i = 0; i < tdecodersOuterFirst.size(); i++) tdecoders.add(named(tdecodersOuterFirst.get(i), "tdecoder." + i));
        frequencyEmbedding = emb;
    }

    private static Layer named(Layer l, String module) {
        return new Layer(module, l.chin(), l.chout(), l.kernel(), l.stride(), l.freq(), l.pad(), l.norm(), l.dconv(),
                l.context(), l.empty(), l.last());
    }

    public List<Layer> encoders() { return Collections.unmodifiableList(encoders); }
    public List<Layer> tencoders() { return Collections.unmodifiableList(tencoders); }
    public List<Layer> decoders() { return Collections.unmodifiableList(decoders); }
    public List<Layer> tdecoders() { return Collections.unmodifiableList(tdecoders); }
    /** The frequency embedding, or null when {@code freq_emb} is 0. */
    public FrequencyEmbedding frequencyEmbedding() { return frequencyEmbedding; }
}

package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;

import java.util.List;

/**
 * CrossTransformerEncoder's sinusoidal positional embeddings, {@code x + weight_pos_embed * pos_emb}, without
 * storing the embedding whole (for htdemucs_6s the two would be 3.1·10⁶ bytes even in fp16). Every element
 * equals what torch computes in float32:
 *
 * <ul>
 *   <li><b>2-D</b> ({@code create_2d_sin_embedding}): channels [0, C/2) depend only on the time frame t1,
 *       channels [C/2, C) only on the frequency row fr, so the sequence is viewed as [B, T1, Fr, C], its two
 *       channel halves get a [1, T1, 1, C/2] and a [1, 1, Fr, C/2] table added (already multiplied by
 *       weight_pos_embed, the same float32 product torch forms per element), and the halves are joined again.</li>
 *   <li><b>1-D</b> ({@code create_sin_embedding}): computed in the graph from positions [1, T, 1] and
 *       the float32 periods {@code max_period ** (a / (C/2 - 1))} [1, 1, C/2]: {@code phase = pos / period},
 *       {@code cat[cos(phase), sin(phase)]}. These ops read only constants; the Core ML emitter keeps such
 *       ops in fp32 (the phase reaches T - 1, beyond where fp16 resolves fractions of a radian).</li>
 * </ul>
 */
final class PositionalEmbedding {
    private final GraphBuilder g;
    private final int dim;
    private final double maxPeriod;
    private final float weight;

    /**
     * @param dim       channels C of the transformer (a multiple of 4 for the 2-D embedding, even for the 1-D)
     * @param maxPeriod {@code t_max_period}
     * @param weight    {@code t_weight_pos_embed}
     */
    PositionalEmbedding(GraphBuilder g, int dim, double maxPeriod, double weight) {
        this.g = g;
        this.dim = dim;
        this.maxPeriod = maxPeriod;
        this.weight = (float) weight;
    }

    /** {@code seq + weight * rearrange(create_2d_sin_embedding(C, fr, t1), "b c fr t1 -> b (t1 fr) c")}. */
    Value add2d(String name, Value seq, int fr, int t1) {
        int b = seq.type().dim(0), half = dim / 2;
        Value grid = g.op("reshape", name + ".grid", Attributes.of("shape", new int[]{b, t1, fr, dim}), seq);
        List<Value> halves = g.opMulti("split", name + ".halves", Attributes.of("axis", 3, "sizes", new int[]{half, half}), grid);
        Value time = g.constant(name + ".time", Tensor.ofFloats(new int[]{1, t1, 1, half}, halfTable2d(t1)));
        Value freq = g.constant(name + ".freq", Tensor.ofFloats(new int[]{1, 1, fr, half}, halfTable2d(fr)));
        Value timed = g.op("add", name + ".time.add", null, halves.get(0), time);
        Value freqed = g.op("add", name + ".freq.add", null, halves.get(1), freq);
        Value joined = g.op("concat", name + ".join", Attributes.of("axis", 3), timed, freqed);
        return g.op("reshape", name + ".add", Attributes.of("shape", new int[]{b, t1 * fr, dim}), joined);
    }

    /** {@code seq + weight * rearrange(create_sin_embedding(T, C), "t2 b c -> b t2 c")}, T = seq's axis 1. */
    Value add1d(String name, Value seq) {
        int length = seq.type().dim(1), half = dim / 2;
        float[] positions = new float[length];
        for (int t = 0; t < length; t++) positions[t] = t;
        Value pos = g.constant(name + ".positions", Tensor.ofFloats(new int[]{1, length, 1}, positions));
        Value periods = g.constant(name + ".periods", Tensor.ofFloats(new int[]{1, 1, half}, periods1d()));
        Value phase = g.op("div", name + ".phase", null, pos, periods);
        Value cos = g.op("cos", name + ".cos", null, phase);
        Value sin = g.op("sin", name + ".sin", null, phase);
        Value embedding = g.op("concat", name, Attributes.of("axis", 2), cos, sin);
        if (weight != 1f) {
            // multiplying by exactly 1 changes nothing; any other weight is torch's float32 product
            embedding = g.op("mul", name + ".weighted", null, embedding, g.scalar(name + ".weight", weight));
        }
        return g.op("add", name + ".add", null, seq, embedding);
    }

    /**
     * One half of create_2d_sin_embedding's channels, times the weight, [positions, C/2] row-major: channel
     * 2j holds sin(p · div_term[j]), channel 2j + 1 cos(p · div_term[j]) (pe[0:C/2:2], pe[1:C/2:2] for the
     * time half, pe[C/2::2], pe[C/2+1::2] for the frequency half).
     */
    float[] halfTable2d(int positions) {
        int half = dim / 2;
        float[] divTerm = divTerm2d();
        float[] out = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int j = 0; j < divTerm.length; j++) {
                float phase = p * divTerm[j];
                out[p * half + 2 * j] = weight * (float) Math.sin(phase);
                out[p * half + 2 * j + 1] = weight * (float) Math.cos(phase);
            }
        }
        return out;
    }

    /** {@code exp(arange(0, C/2, 2) * -(log(max_period) / (C/2)))} in float32. */
    private float[] divTerm2d() {
        int half = dim / 2;
        float factor = (float) -(Math.log(maxPeriod) / half);
        float[] divTerm = new float[(half + 1) / 2];
        for (int j = 0; j < divTerm.length; j++) divTerm[j] = (float) Math.exp((float) (2 * j) * factor);
        return divTerm;
    }

    /** {@code max_period ** (arange(C/2) / (C/2 - 1))} in float32. */
    float[] periods1d() {
        int half = dim / 2;
        float base = (float) maxPeriod;
        float[] period = new float[half];
        for (int a = 0; a < half; a++) {
            float exponent = (float) a / (float) (half - 1);
            period[a] = (float) Math.pow(base, exponent);
        }
        return period;
    }
}

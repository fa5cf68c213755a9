package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.testsupport.ReferenceRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The positional embeddings built in the graph from small tables are bit for bit the embeddings torch adds
 * (create_2d_sin_embedding / create_sin_embedding times weight_pos_embed, in float32): the graph, run on the
 * reference runtime, against the whole embedding computed element by element as torch does (which is what
 * the graph used to store as a constant). Exact equality, no tolerance.
 */
class PositionalEmbeddingTest {

    @ParameterizedTest(name = "C={0} Fr={1} T1={2} T2={3} max_period={4} weight={5}")
    @CsvSource({
            "384, 8, 336, 1344, 10000, 1.0", // htdemucs_6s
            "48, 4, 22, 88, 5000, 0.5",      // a variant: other period and weight
            "96, 2, 6, 21, 10000, 1.0"})
    void graphAddsExactlyTorchsEmbeddings(int dim, int fr, int t1, int t2, double maxPeriod, double weight) throws PluginException {
        GraphBuilder g = new GraphBuilder("embeddings");
        Value seq = g.input("seq", TensorType.f32(1, t1 * fr, dim));
        Value seqT = g.input("seq_t", TensorType.f32(1, t2, dim));
        PositionalEmbedding positions = new PositionalEmbedding(g, dim, maxPeriod, weight);
        g.output("out", positions.add2d("pos_emb_2d", seq, fr, t1));
        g.output("out_t", positions.add1d("pos_emb", seqT));
        Graph graph = g.build();

        int largest = 0;
        for (Node n : graph.nodes()) {
            if (n.op().equals("const")) largest = Math.max(largest, Math.toIntExact(n.output().type().numel()));
        }
        int tableLimit = Math.max(Math.max(t1, fr), t2) * dim / 2;
        assertTrue(largest <= tableLimit, "largest constant has " + largest + " elements, more than a table (" + tableLimit + ")");

        float[] pe2d = torchEmbedding2d(dim, fr, t1, maxPeriod, weight);
        float[] pe1d = torchEmbedding1d(dim, t2, maxPeriod, weight);
        // zero input: the graph's output is the embedding itself
        Map<String, NpyArray> zero = run(graph, new float[t1 * fr * dim], new float[t2 * dim], fr, t1, t2, dim);
        assertArrayEquals(pe2d, zero.get("out").data(), "2-D embedding, bit for bit");
        assertArrayEquals(pe1d, zero.get("out_t").data(), "1-D embedding, bit for bit");
        // random input: x + embedding, one float32 addition per element as torch does
        Random r = new Random(dim + fr + t2);
        float[] x = gaussian(r, t1 * fr * dim), xt = gaussian(r, t2 * dim);
        Map<String, NpyArray> out = run(graph, x, xt, fr, t1, t2, dim);
        float[] expected = new float[x.length], expectedT = new float[xt.length];
        for (int i = 0; i < x.length; i++) expected[i] = x[i] + pe2d[i];
        for (int i = 0; i < xt.length; i++) expectedT[i] = xt[i] + pe1d[i];
        assertArrayEquals(expected, out.get("out").data(), "x + 2-D embedding, bit for bit");
        assertArrayEquals(expectedT, out.get("out_t").data(), "xt + 1-D embedding, bit for bit");
    }

    private static Map<String, NpyArray> run(Graph graph, float[] x, float[] xt, int fr, int t1, int t2, int dim) throws PluginException {
        Map<String, NpyArray> in = new LinkedHashMap<>();
        in.put("seq", NpyArray.of(x, new int[]{1, t1 * fr, dim}));
        in.put("seq_t", NpyArray.of(xt, new int[]{1, t2, dim}));
        return ReferenceRun.run(graph, in);
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /**
     * weight * rearrange(create_2d_sin_embedding(C, Fr, T1), "b c fr t1 -> b (t1 fr) c") element by element in
     * float32: div_term = exp(arange(0, C/2, 2) * -(log(max_period) / (C/2))); channel 2j of the first half is
     * sin(t1 · div_term[j]), 2j + 1 its cos; the second half likewise of fr.
     */
    static float[] torchEmbedding2d(int dim, int fr, int t1, double maxPeriod, double weightPosEmbed) {
        int half = dim / 2;
        float factor = (float) -(Math.log(maxPeriod) / half);
        int terms = (half + 1) / 2;
        float[] divTerm = new float[terms];
        for (int j = 0; j < terms; j++) divTerm[j] = (float) Math.exp((float) (2 * j) * factor);
        float scale = (float) weightPosEmbed;
        float[] out = new float[t1 * fr * dim];
        for (int t = 0; t < t1; t++) {
            for (int f = 0; f < fr; f++) {
                int base = (t * fr + f) * dim;
                for (int j = 0; j < terms; j++) {
                    float pw = t * divTerm[j];
                    float ph = f * divTerm[j];
                    if (2 * j < half) out[base + 2 * j] = scale * (float) Math.sin(pw);
                    if (2 * j + 1 < half) out[base + 2 * j + 1] = scale * (float) Math.cos(pw);
                    if (half + 2 * j < dim) out[base + half + 2 * j] = scale * (float) Math.sin(ph);
                    if (half + 2 * j + 1 < dim) out[base + half + 2 * j + 1] = scale * (float) Math.cos(ph);
                }
            }
        }
        return out;
    }

    /**
     * weight * create_sin_embedding(T, C) as [1, T, C] in float32: phase = pos / (max_period ** (a / (C/2 - 1))),
     * cat[cos(phase), sin(phase)].
     */
    static float[] torchEmbedding1d(int dim, int length, double maxPeriod, double weightPosEmbed) {
        int half = dim / 2;
        float base = (float) maxPeriod;
        float[] period = new float[half];
        for (int a = 0; a < half; a++) period[a] = (float) Math.pow(base, (float) a / (float) (half - 1));
        float scale = (float) weightPosEmbed;
        float[] out = new float[length * dim];
        for (int t = 0; t < length; t++) {
            for (int a = 0; a < half; a++) {
                float phase = (float) t / period[a];
                out[t * dim + a] = scale * (float) Math.cos(phase);
                out[t * dim + half + a] = scale * (float) Math.sin(phase);
            }
        }
        return out;
    }
}

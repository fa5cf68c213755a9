package dev.htdemucs.examples;

import dev.htdemucs.precision.Fp16Selector;
import dev.htdemucs.precision.MixedSelector;
import dev.htdemucs.examples.KeepAttentionFp32Selector.Rule;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.passes.LowerGroupNormPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** keep-attention-fp32 on the tiny6 inner network, as built and after lower-group-norm and fold-layer-scale. */
class Tiny6KeepAttentionFp32Test {
    private static final Set<String> ALWAYS_FP32_OPS = Set.of("softmax", "matmul", "layer_norm", "group_norm", "sqrt",
            "reduce_mean", "reduce_sum");
    private static final Set<String> FP16_OUTSIDE_ATTENTION = Set.of("conv", "conv_transpose", "gelu", "glu", "linear", "slice");

    /** The SNR {@code htdemucs convert --precision auto} aims at by default. */
    private static final double MIN_SNR_DB = 60;

    private static LoadedModel inner;

    @BeforeAll
    static void load() throws PluginException {
        inner = Tiny6.inner();
    }

    @Test
    void attentionAndNormalisationAreFp32AndTheRestFp16() {
        Graph g = inner.graph();
        PrecisionPlan plan = new KeepAttentionFp32Selector().select(inner, Options.NONE);
        Map<String, Rule> reasons = KeepAttentionFp32Selector.fp32Reasons(g);
        printSummary("tiny6 inner", g, plan, reasons);
        for (Node n : g.nodes()) {
            if (n.op().equals("const")) continue;
            Precision p = plan.of(n);
            boolean attention = n.name().contains(".self_attn.") || n.name().contains(".cross_attn.");
            boolean inputNormalisation = n.name().startsWith("spec_norm") || n.name().startsWith("mix_norm");
            boolean deNormalisation = n.name().matches("(spec|wave)_out(\\.std|\\.mean|\\.scale)?");
            if (attention || inputNormalisation || deNormalisation || ALWAYS_FP32_OPS.contains(n.op())) {
                assertEquals(Precision.FP32, p, n + " should be fp32");
            } else {
                assertEquals(Precision.FP16, p, n + " should be fp16");
            }
            if (!attention && FP16_OUTSIDE_ATTENTION.contains(n.op())) assertEquals(Precision.FP16, p, n.toString());
        }
        assertEquals(Rule.ATTENTION_MODULE, reasons.get("crosstransformer.layers.0.self_attn.q"));
        assertEquals(Rule.ATTENTION_MODULE, reasons.get("crosstransformer.layers_t.1.cross_attn.out_proj"));
        // tiny6 (depth 4 < norm_starts 4) normalises only inside DConv: GroupNorm(1) as sub-modules 1 and 4
        assertEquals(Rule.NORMALISATION_OP, reasons.get("encoder.0.dconv.layers.0.1"));
        assertEquals(Rule.NORMALISATION_OP, reasons.get("tdecoder.3.dconv.layers.1.4"));
        assertEquals(Rule.NORMALISATION_OP, reasons.get("crosstransformer.norm_in"));
        assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get("spec_norm.squares"));
        assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get("mix_norm"));
        assertEquals(Rule.USES_STATISTICS, reasons.get("spec_out.scale"));
        assertEquals(Rule.USES_STATISTICS, reasons.get("wave_out"));
        // spec_norm.variance divides by the element count - 1 (180223 for tiny6), beyond fp16 range; it is a
        // statistics node anyway
        assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get("spec_norm.variance"));
        assertTrue(!reasons.containsValue(Rule.BEYOND_FP16_RANGE), "no other tiny6 op has constants beyond fp16: " + reasons);
    }

    @Test
    void loweredGroupNormsStayFp32() {
        LoadedModel lowered = new LowerGroupNormPass().apply(inner, Options.NONE);
        Graph g = lowered.graph();
        PrecisionPlan plan = new KeepAttentionFp32Selector().select(lowered, Options.NONE);
        Map<String, Rule> reasons = KeepAttentionFp32Selector.fp32Reasons(g);
        printSummary("tiny6 inner after lower-group-norm", g, plan, reasons);
        int groupNorms = inner.graph().opHistogram().get("group_norm");
        int loweredNodes = 0;
        for (Node n : g.nodes()) {
            if (n.op().equals("const") || !n.name().contains("/")) continue;
            loweredNodes++;
            assertEquals(Precision.FP32, plan.of(n), n + " is part of a lowered group_norm");
        }
        assertTrue(loweredNodes >= 9 * groupNorms, loweredNodes + " lowered nodes for " + groupNorms + " group norms");
        // the node carrying the group_norm's name (its final add), though the name says nothing of norms
        assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get("encoder.0.dconv.layers.0.1"));
        assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get("encoder.0.dconv.layers.0.1/squares"));
        assertEquals(Precision.FP16, plan.of(node(g, "encoder.0.dconv.layers.0.0")), "the conv before it");
    }

    @Test
    void foldedOutProjectionStaysFp32AndOnlyTheFoldedMulsLeaveTheFp16Count() throws PluginException {
        LoadedModel folded = new FoldLayerScalePass().apply(inner, Options.NONE);
        Map<Precision, Integer> before = new KeepAttentionFp32Selector().select(inner, Options.NONE).count(inner.graph());
        PrecisionPlan plan = new KeepAttentionFp32Selector().select(folded, Options.NONE);
        Map<Precision, Integer> after = plan.count(folded.graph());
        System.out.println("tiny6 keep-attention-fp32 ops without/with fold-layer-scale: " + before + " / " + after);
        int folds = FoldLayerScalePass.foldAll(inner.graph()).folds().size();
        assertEquals(before.get(Precision.FP32), after.get(Precision.FP32));
        assertEquals(before.get(Precision.FP16) - folds, after.get(Precision.FP16));
        assertEquals(Precision.FP32, plan.of(node(folded.graph(), "crosstransformer.layers.0.self_attn.out_proj")));
        assertEquals(Precision.FP16, plan.of(node(folded.graph(), "crosstransformer.layers.0.linear2")));
    }

    /**
     * On the reference runtime with fp16 storage emulated: keep-attention-fp32 keeps a superset of the fp32 ops
     * of the built-in fp16 and mixed selectors, and should be at least as close to PyTorch as they are (measured:
     * about 4-5 dB closer), and above {@value #MIN_SNR_DB} dB.
     */
    @Test
    void keepingAttentionAndNormalisationFp32IsCloserToPyTorchThanFp16AndMixed() throws PluginException {
        Graph g = inner.graph();
        var feed = Tiny6.inputs("synth_song");
        Map<String, NpyArray> outKeep = Tiny6.run(g, KeepAttentionFp32Selector.plan(g), feed);
        Map<String, NpyArray> outFp16 = Tiny6.run(g, new Fp16Selector().select(inner, Options.NONE), feed);
        Map<String, NpyArray> outMixed = Tiny6.run(g, new MixedSelector().select(inner, Options.NONE), feed);
        for (String output : List.of("spec_out", "wave_out")) {
            NpyArray golden = Tiny6.golden().npy("synth_song/" + output + ".npy");
            Comparison k = Tiny6.compare(golden, outKeep.get(output));
            Comparison h = Tiny6.compare(golden, outFp16.get(output));
            Comparison m = Tiny6.compare(golden, outMixed.get(output));
            System.out.printf("tiny6 synth_song %s vs PyTorch, fp16 storage emulated:%n  keep-attention-fp32 %s%n  fp16 %s%n  mixed %s%n",
                    output, k, h, m);
            assertTrue(k.snrDb() >= MIN_SNR_DB, output + ": keep-attention-fp32 SNR " + k.snrDb() + " dB < " + MIN_SNR_DB + " dB");
            assertTrue(k.snrDb() >= h.snrDb(), output + ": keep-attention-fp32 (" + k + ") is further from PyTorch than all fp16 (" + h + ")");
            assertTrue(k.snrDb() >= m.snrDb(), output + ": keep-attention-fp32 (" + k + ") is further from PyTorch than mixed (" + m + ")");
        }
    }

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no node " + name + " in " + g));
    }

    private static void printSummary(String what, Graph g, PrecisionPlan plan, Map<String, Rule> reasons) {
        Map<Rule, Integer> byRule = new EnumMap<>(Rule.class);
        reasons.values().forEach(r -> byRule.merge(r, 1, Integer::sum));
        Map<String, Integer> fp32Ops = new TreeMap<>();
        for (Node n : g.nodes()) if (reasons.containsKey(n.name())) fp32Ops.merge(n.op(), 1, Integer::sum);
        System.out.printf("%s keep-attention-fp32: %s; fp32 by rule %s; fp32 ops %s%n", what, plan.count(g), byRule, fp32Ops);
    }
}

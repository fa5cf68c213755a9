package dev.htdemucs.examples;

import dev.htdemucs.examples.KeepAttentionFp32Selector.Rule;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.passes.LowerGluPass;
import dev.htdemucs.passes.LowerGroupNormPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** keep-attention-fp32 on small hand-built graphs: each rule, and what stays fp16. */
class KeepAttentionFp32SelectorTest {
    private static final ModelMetadata METADATA = new ModelMetadata("test", List.of("a"), 44100, 1, 8, 4, 2, Map.of());
    private static final int E = 4, N = 6;

    @Test
    void aTransformerLayerKeepsAttentionAndLayerNormFp32() {
        GraphBuilder g = new GraphBuilder("layer");
        Value x = g.input("x", TensorType.f32(1, N, E));
        Value h = g.op("layer_norm", "layer.norm1", null, x, constant(g, "layer.norm1.weight", E), constant(g, "layer.norm1.bias", E));
        Value q = g.op("linear", "layer.self_attn.q", null, h, constant(g, "layer.self_attn.q.weight", E, E));
        Value k = g.op("linear", "layer.self_attn.k", null, h, constant(g, "layer.self_attn.k.weight", E, E));
        Value v = g.op("linear", "layer.self_attn.v", null, h, constant(g, "layer.self_attn.v.weight", E, E));
        Value qs = g.op("mul", "layer.self_attn.q.scaled", null, q, g.scalar("layer.self_attn.scale", 0.5f));
        Value scores = g.op("matmul", "layer.self_attn.scores", Attributes.of("transpose_y", true), qs, k);
        Value weights = g.op("softmax", "layer.self_attn.softmax", null, scores);
        Value context = g.op("matmul", "layer.self_attn.context", null, weights, v);
        Value a = g.op("linear", "layer.self_attn.out_proj", null, context, constant(g, "layer.self_attn.out_proj.weight", E, E));
        a = g.op("mul", "layer.gamma_1", null, a, constant(g, "layer.gamma_1.scale", E));
        Value r = g.op("add", "layer.residual1", null, x, a);
        Value f = g.op("linear", "layer.linear1", null, r, constant(g, "layer.linear1.weight", E, E));
        f = g.op("gelu", "layer.activation", null, f);
        Graph graph = g.output("out", g.op("add", "layer.residual2", null, r, f)).build();

        PrecisionPlan plan = new KeepAttentionFp32Selector().select(new LoadedModel(graph, METADATA), Options.NONE);
        Map<String, Rule> reasons = KeepAttentionFp32Selector.fp32Reasons(graph);
        Map<String, Precision> expected = new LinkedHashMap<>();
        expected.put("layer.norm1", Precision.FP32);
        for (String part : List.of("q", "k", "v", "q.scaled", "scores", "softmax", "context", "out_proj")) {
            expected.put("layer.self_attn." + part, Precision.FP32);
        }
        for (String part : List.of("gamma_1", "residual1", "linear1", "activation", "residual2")) expected.put("layer." + part, Precision.FP16);
        assertEquals(expected, plan.byNode(), "every op node listed, constants not");
        assertEquals(Precision.FP32, plan.fallback());
        assertEquals(Rule.NORMALISATION_OP, reasons.get("layer.norm1"));
        assertEquals(Rule.ATTENTION_MODULE, reasons.get("layer.self_attn.softmax"), "the name rule comes first");
        assertEquals(9, reasons.size(), reasons.toString());
    }

    @Test
    void attentionWithoutAttentionNamesStillKeepsScoresSoftmaxAndContextFp32() {
        GraphBuilder g = new GraphBuilder("anonymous");
        Value x = g.input("x", TensorType.f32(1, N, E));
        Value q = g.op("linear", "n1", null, x, constant(g, "c1", E, E));
        Value scores = g.op("matmul", "n2", Attributes.of("transpose_y", true), q, x);
        Value weights = g.op("softmax", "n3", null, scores);
        Value context = g.op("matmul", "n4", null, weights, x);
        Graph graph = g.output("out", g.op("matmul", "n5", null, context, constant(g, "c2", E, E))).build();
        Map<String, Rule> reasons = KeepAttentionFp32Selector.fp32Reasons(graph);
        assertEquals(Map.of("n2", Rule.ATTENTION_OP, "n3", Rule.ATTENTION_OP, "n4", Rule.ATTENTION_OP), reasons,
                "a matmul by a constant (n5) is a projection, not attention");
        assertEquals(Precision.FP16, KeepAttentionFp32Selector.plan(graph).of(node(graph, "n5")));
    }

    @Test
    void loweredGroupNormIsFp32WhateverItsNameAndLoweredGluStaysFp16() {
        // a DConv-like branch: conv, GroupNorm(1) named by its index, gelu, conv, glu
        GraphBuilder g = new GraphBuilder("dconv");
        Value x = g.input("x", TensorType.f32(1, E, N));
        Value h = g.op("conv", "branch.0", null, x, constant(g, "branch.0.weight", E, E, 1));
        h = g.op("group_norm", "branch.1", Attributes.of("num_groups", 1), h, constant(g, "branch.1.weight", E), constant(g, "branch.1.bias", E));
        h = g.op("gelu", "branch.2", null, h);
        h = g.op("conv", "branch.3", null, h, constant(g, "branch.3.weight", 2 * E, E, 1));
        Graph graph = g.output("out", g.op("glu", "branch.5", Attributes.of("axis", 1), h)).build();
        LoadedModel model = new LoadedModel(graph, METADATA);
        Graph lowered = new LowerGluPass().apply(new LowerGroupNormPass().apply(model, Options.NONE), Options.NONE).graph();

        PrecisionPlan plan = KeepAttentionFp32Selector.plan(lowered);
        Map<String, Rule> reasons = KeepAttentionFp32Selector.fp32Reasons(lowered);
        int loweredNorm = 0;
        for (Node n : lowered.nodes()) {
            if (n.op().equals("const")) continue;
            if (n.name().equals("branch.1") || n.name().startsWith("branch.1/")) {
                loweredNorm++;
                assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get(n.name()), n.toString());
            } else {
                assertEquals(Precision.FP16, plan.of(n), n + " is not part of the group norm");
            }
        }
        assertTrue(loweredNorm >= 10, "lower-group-norm made " + loweredNorm + " op nodes");
        assertTrue(lowered.nodes().stream().anyMatch(n -> n.name().equals("branch.5/gate")), "the glu was lowered too");
    }

    @Test
    void inputNormalisationAndTheDeNormalisationUsingItsStatisticsAreFp32() {
        // HTDemucs.forward: x = (x - mean) / (1e-5 + std); ...; out = y * std + mean
        GraphBuilder g = new GraphBuilder("normalised");
        Value x = g.input("x", TensorType.f32(1, 2, 8));
        Attributes all = Attributes.of("axes", new int[]{1, 2}, "keep_dims", true);
        Value mean = g.op("reduce_mean", "x_norm.mean", all, x);
        Value centered = g.op("sub", "x_norm.centered", null, x, mean);
        Value squares = g.op("mul", "x_norm.squares", null, centered, centered);
        Value sum = g.op("reduce_sum", "x_norm.sum_squares", all, squares);
        Value variance = g.op("div", "x_norm.variance", null, sum, g.scalar("x_norm.dof", 15f));
        Value std = g.op("sqrt", "x_norm.std", null, variance);
        Value denominator = g.op("add", "x_norm.std_eps", null, std, g.scalar("x_norm.eps", 1e-5f));
        Value normalised = g.op("div", "x_norm", null, centered, denominator);
        Value y = g.op("conv", "net", null, normalised, constant(g, "net.weight", 2, 2, 1));
        Value stdOut = g.op("reshape", "out.std", Attributes.of("shape", new int[]{1, 1, 1}), std);
        Value meanOut = g.op("reshape", "out.mean", Attributes.of("shape", new int[]{1, 1, 1}), mean);
        Value scaled = g.op("mul", "out.scale", null, y, stdOut);
        Graph graph = g.output("out", g.op("add", "out", null, scaled, meanOut)).build();

        Map<String, Rule> reasons = KeepAttentionFp32Selector.fp32Reasons(graph);
        for (String n : List.of("x_norm.mean", "x_norm.centered", "x_norm.squares", "x_norm.sum_squares", "x_norm.variance",
                "x_norm.std", "x_norm.std_eps", "x_norm")) {
            assertEquals(Rule.NORMALISATION_STATISTICS, reasons.get(n), n);
        }
        for (String n : List.of("out.std", "out.mean", "out.scale", "out")) assertEquals(Rule.USES_STATISTICS, reasons.get(n), n);
        assertFalse(reasons.containsKey("net"), "the network between is fp16");
        assertEquals(12, reasons.size(), reasons.toString());
    }

    @Test
    void opsWithConstantsBeyondTheFp16RangeAreFp32() {
        GraphBuilder g = new GraphBuilder("range");
        Value x = g.input("x", TensorType.f32(1, 4));
        Value big = g.op("mul", "big", null, x, g.scalar("big.value", 70000f));
        Graph graph = g.output("out", g.op("mul", "small", null, big, g.scalar("small.value", 65504f))).build();
        assertEquals(Map.of("big", Rule.BEYOND_FP16_RANGE), KeepAttentionFp32Selector.fp32Reasons(graph));
    }

    @Test
    void attentionModuleNamesAreRecognisedBySegment() {
        for (String yes : List.of("crosstransformer.layers.0.self_attn.q", "layers_t.1.cross_attn.scores", "decoder.multihead_attn",
                "/blocks.0/Attention/MatMul", "attn", "x.attn:0")) {
            assertTrue(KeepAttentionFp32Selector.isAttentionModule(yes), yes);
        }
        for (String no : List.of("crosstransformer.layers.0.gamma_1", "encoder.0.conv", "attnpool.linear", "layers.0.linear2", "attention_mask_free")) {
            assertFalse(KeepAttentionFp32Selector.isAttentionModule(no), no);
        }
    }

    @Test
    void nameAndDescriptionAreWhatTheCommandLineShows() {
        KeepAttentionFp32Selector s = new KeepAttentionFp32Selector();
        assertEquals("keep-attention-fp32", s.name());
        assertFalse(s.description().isBlank());
        assertFalse(s.description().contains("\n"), "one-line description");
    }

    private static Value constant(GraphBuilder g, String name, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) Math.sin(0.7 * i + shape.length);
        return g.constant(name, Tensor.ofFloats(shape, v));
    }

    private static Node node(Graph g, String name) {
        return g.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }
}

package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.runtime.reference.ReferenceRuntime;
import dev.htdemucs.runtime.reference.ReferenceSession;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The noise model on a graph whose answer is known: {@code out = sigmoid(x) + 10⁻⁴·gelu(x) + ((x + 1000) − 1000)}.
 * In fp16, {@code x + 1000} is stored with a spacing of 0.5, so the shift/unshift pair is by far the worst
 * place for fp16 — but only as a pair: the rounding sits on the edge between them. The gelu branch is
 * damped by 10⁻⁴, so its rounding matters far less than the sigmoid's, though both are as accurate locally.
 */
class Fp16NoiseModelTest {
    static Graph graph() {
        GraphBuilder g = new GraphBuilder("known");
        Value x = g.input("x", TensorType.f32(1, 4096));
        Value main = g.op("sigmoid", "main", Attributes.EMPTY, x);
        Value branch = g.op("gelu", "branch", Attributes.EMPTY, x);
        Value damped = g.op("mul", "damp", Attributes.EMPTY, branch, g.scalar("tiny", 1e-4f));
        Value shifted = g.op("add", "shift", Attributes.EMPTY, x, g.scalar("offset", 1000f));
        Value back = g.op("sub", "unshift", Attributes.EMPTY, shifted, g.scalar("offset2", 1000f));
        Value sum = g.op("add", "sum1", Attributes.EMPTY, main, damped);
        g.output("out", g.op("add", "sum2", Attributes.EMPTY, sum, back));
        return g.build();
    }

    static Map<String, Tensor> inputs() {
        Random r = new Random(7);
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        return Map.of("x", Tensor.ofFloats(new int[] {1, 4096}, x));
    }

    @Test
    void ranksThePairThatLosesPrecisionFirstAndTheDampedBranchLast() throws Exception {
        Graph g = graph();
        Set<String> all = new LinkedHashSet<>();
        for (Node n : g.nodes()) if (!n.op().equals("const")) all.add(n.name());
        Fp16NoiseProbe probe = new Fp16NoiseProbe(all);
        Map<String, Tensor> reference;
        try (ReferenceSession s = new ReferenceRuntime().open(g, Options.NONE)) {
            reference = s.run(inputs(), Set.of(), probe).outputs();
        }
        double power = 0;
        for (float f : reference.get("out").toFloatArray()) power += (double) f * f;
        Fp16NoiseModel model = new Fp16NoiseModel(g, all, probe.measured(), Map.of("out", power));
        List<String> order = model.order();
        assertEquals(Set.of("shift", "unshift"), Set.copyOf(order.subList(0, 2)), "order " + order);
        assertTrue(order.indexOf("main") < order.indexOf("branch"), "the damped branch after the main path: " + order);
        assertTrue(order.indexOf("main") < order.indexOf("damp"), "the damped branch after the main path: " + order);
        for (int k = 1; k <= order.size(); k++) {
            assertTrue(model.predicted(k) <= model.predicted(k - 1), "prediction never rises, at k=" + k);
        }
        assertEquals(0, model.predicted(order.size()), "all fp32: no modelled noise");

        // the model's first choice is what the measured SNR says: keeping that pair fp32 gains > 20 dB
        double allFp16 = measure(g, model.plan(0), reference), pairFp32 = measure(g, model.plan(2), reference);
        assertTrue(pairFp32 > allFp16 + 20, "fp16: " + allFp16 + " dB, shift/unshift fp32: " + pairFp32 + " dB");
        assertEquals(Precision.FP16, model.plan(2).byNode().get("main"));
        assertEquals(Precision.FP32, model.plan(2).byNode().get("shift"));
    }

    private static double measure(Graph g, PrecisionPlan plan, Map<String, Tensor> reference) throws Exception {
        try (ReferenceSession s = new ReferenceRuntime().open(PrecisionCasts.apply(g, plan), Options.NONE)) {
            return OutputSnr.measure(reference, s.run(inputs()), 0).worstDb();
        }
    }

    @Test
    void dataMovementFollowsItsOperands() throws Exception {
        GraphBuilder b = new GraphBuilder("moves");
        Value x = b.input("x", TensorType.f32(2, 8));
        Value a = b.op("sigmoid", "a", Attributes.EMPTY, x);
        Value t = b.op("transpose", "t", Attributes.of("perm", new int[] {1, 0}), a);
        Value c = b.op("relu", "c", Attributes.EMPTY, t);
        Value u = b.op("transpose", "u", Attributes.of("perm", new int[] {1, 0}), x);
        b.output("y", b.op("add", "y", Attributes.EMPTY, c, u));
        Graph g = b.build();
        Set<String> all = new LinkedHashSet<>(List.of("a", "t", "c", "u", "y"));
        Map<String, Fp16NoiseProbe.OpNoise> none = new LinkedHashMap<>();
        Fp16NoiseModel model = new Fp16NoiseModel(g, all, none, Map.of("y", 1.0));
        assertEquals(3, model.order().size(), "transposes are no decision units: " + model.order());
        PrecisionPlan fp16 = model.plan(0);
        assertEquals(Precision.FP16, fp16.byNode().get("t"), "moves an fp16 result: fp16");
        assertEquals(Precision.FP32, fp16.byNode().get("u"), "moves the fp32 graph input: fp32, never rounds it");
        int kA = model.order().indexOf("a") + 1;
        assertEquals(Precision.FP32, model.plan(kA).byNode().get("a"));
        assertEquals(Precision.FP32, model.plan(kA).byNode().get("t"), "once a is fp32, the transpose of its result is too");
    }
}

package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.precision.PrecisionCasts;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The step observer sees every executed node with its operands and stored results, and can re-run it. */
class StepObserverTest {
    private static final float[] X = {0.1f, -1.7f, 3.14159f, 100.3f, -0.001f, 7f};
    private static final float[] W = {0.3f, -2.2f, 1.0001f};

    /** x [2, 3] → a = x + 1 → b = a · w (const) → out = relu(b). */
    private static Graph chain() {
        GraphBuilder g = new GraphBuilder("chain");
        Value x = g.input("x", TensorType.f32(2, 3));
        Value one = g.scalar("one", 1f);
        Value w = g.constant("w", Tensor.ofFloats(new int[] {3}, W));
        Value a = g.op("add", "a", Attributes.EMPTY, x, one);
        Value b = g.op("mul", "b", Attributes.EMPTY, a, w);
        g.output("out", g.op("relu", "r", Attributes.EMPTY, b));
        return g.build();
    }

    private static Map<String, Tensor> feed() { return Map.of("x", Tensor.ofFloats(new int[] {2, 3}, X)); }

    @Test void seesEveryNodeInOrderWithItsOperandsAndResults() throws PluginException {
        List<String> seen = new ArrayList<>();
        List<float[]> results = new ArrayList<>();
        try (ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE)) {
            Map<String, Tensor> out = s.run(feed(), Set.of(), step -> {
                seen.add(step.node().name());
                results.add(step.outputs()[0].data().clone());
                if (step.node().name().equals("b")) {
                    assertArrayEquals(W, step.inputs()[1].data(), "the constant operand");
                    float[] a = step.inputs()[0].data();
                    for (int i = 0; i < 6; i++) assertEquals(X[i] + 1f, a[i], "operand a[" + i + "]");
                }
            }).outputs();
            assertEquals(List.of("a", "b", "r"), seen, "const nodes are not executed steps");
            assertArrayEquals(out.get("out").toFloatArray(), results.get(2), "the observer sees what the session stored");
        }
    }

    @Test void reRunsANodeOnOtherOperands() throws PluginException {
        float[][] rerun = new float[1][];
        try (ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE)) {
            s.run(feed(), Set.of(), step -> {
                if (!step.node().name().equals("b")) return;
                FloatTensor[] operands = step.inputs().clone();
                operands[1] = operands[1].withData(new float[] {1f, 1f, 1f});
                rerun[0] = step.execute(operands)[0].data();
            });
        }
        for (int i = 0; i < 6; i++) assertEquals(X[i] + 1f, rerun[0][i], "b with w = 1 at " + i);
    }

    @Test void fp16StepsShowTheirRoundedOperands() throws PluginException {
        PrecisionPlan plan = new PrecisionPlan(Map.of("b", Precision.FP16), Precision.FP32);
        try (ReferenceSession s = new ReferenceRuntime().open(PrecisionCasts.apply(chain(), plan), Options.NONE)) {
            s.run(feed(), Set.of(), step -> {
                assertEquals(step.node().name().equals("b"), step.fp16(), step.node().name());
                if (step.fp16()) {
                    assertEquals(Float16.round(W[1]), step.inputs()[1].data()[1], "the weight as fp16 reads it");
                    for (float f : step.outputs()[0].data()) assertEquals(Float16.round(f), f, "fp16 result");
                }
            });
        }
    }

    /**
     * An fp16 op reading an fp16 op's result reads the stored array itself, while an fp16 op reading an fp32
     * result reads the cast {@link PrecisionCasts} put before it: the value rounded once.
     */
    @Test void fp16ResultsAreReadByFp16OpsWithoutAnotherRounding() throws PluginException {
        PrecisionPlan plan = new PrecisionPlan(Map.of("b", Precision.FP16, "r", Precision.FP16), Precision.FP32);
        Map<String, FloatTensor> storedOf = new java.util.HashMap<>();
        Map<String, FloatTensor> firstOperandOf = new java.util.HashMap<>();
        try (ReferenceSession s = new ReferenceRuntime().open(PrecisionCasts.apply(chain(), plan), Options.NONE)) {
            s.run(feed(), Set.of(), step -> {
                storedOf.put(step.node().name(), step.outputs()[0]);
                firstOperandOf.put(step.node().name(), step.inputs()[0]);
            });
        }
        assertTrue(firstOperandOf.get("r") == storedOf.get("b"), "r (fp16) reads b's fp16 result as stored");
        assertTrue(firstOperandOf.get("b") == storedOf.get("a_to_fp16"), "b (fp16) reads a cast to fp16 of a (fp32)");
        float[] a = storedOf.get("a").data(), bIn = firstOperandOf.get("b").data();
        for (int i = 0; i < a.length; i++) assertEquals(Float16.round(a[i]), bIn[i], "a[" + i + "] as fp16 reads it");
    }

    @Test void anObserverFailureNamesTheNode() throws PluginException {
        try (ReferenceSession s = new ReferenceRuntime().open(chain(), Options.NONE)) {
            PluginException e = assertThrows(PluginException.class, () -> s.run(feed(), Set.of(), step -> {
                if (step.node().name().equals("b")) throw new IllegalStateException("boom");
            }));
            assertTrue(e.getMessage().contains("node b (mul)") && e.getMessage().contains("boom"), e.getMessage());
            assertFalse(s.run(feed()).isEmpty(), "the session still runs");
        }
    }
}

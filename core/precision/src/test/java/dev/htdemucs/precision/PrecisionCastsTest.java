package dev.htdemucs.precision;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where {@link PrecisionCasts} puts casts and fp16 constants (the MIL they become is tested in emitter-coreml). */
class PrecisionCastsTest {

    /** x → conv(w) → reduce_mean → mul(conv, mean) → relu → out; sigmoid(x) → gate. */
    static Graph graph(float weight) {
        GraphBuilder b = new GraphBuilder("casts");
        Value x = b.input("x", TensorType.f32(1, 2, 6));
        float[] w = new float[2 * 2 * 3];
        for (int i = 0; i < w.length; i++) w[i] = 0.1f * (i - 5);
        w[3] = weight;
        Value conv = b.op("conv", "conv", Attributes.of("pads", new int[]{1, 1}), x, b.constant("w", Tensor.ofFloats(new int[]{2, 2, 3}, w)));
        Value mean = b.op("reduce_mean", "mean", Attributes.of("axes", new int[]{2}, "keep_dims", true), conv);
        Value scaled = b.op("mul", "scaled", null, conv, mean);
        b.output("out", b.op("relu", "relu", null, scaled));
        b.output("gate", b.op("sigmoid", "sig", null, x));
        return b.build();
    }

    /** Every node as "name=op(inputs):dtype", in graph order. */
    static List<String> describe(Graph g) {
        List<String> s = new ArrayList<>();
        for (Node n : g.nodes()) {
            s.add(n.name() + "=" + n.op() + "(" + String.join(",", n.inputs().stream().map(Value::name).toList()) + "):"
                    + n.output().type().dtype().name());
        }
        return s;
    }

    @Test
    void mixedPlanCastsAtRegionBoundariesAndStoresWeightsInFp16() {
        Graph g = graph(0.5f);
        PrecisionPlan plan = new PrecisionPlan(Map.of("conv", Precision.FP16, "scaled", Precision.FP16, "relu", Precision.FP16,
                "sig", Precision.FP16), Precision.FP32);
        Graph c = PrecisionCasts.apply(g, plan);
        assertEquals(List.of(
                "x_to_fp16=cast(x):FLOAT16",              // before its first fp16 reader, shared by sigmoid
                "w_fp16=const():FLOAT16",                 // the weight stored as fp16; w itself is read by nobody
                "conv=conv(x_to_fp16,w_fp16):FLOAT16",
                "conv_to_fp32=cast(conv):FLOAT32",        // into the fp32 reduce_mean
                "mean=reduce_mean(conv_to_fp32):FLOAT32",
                "mean_to_fp16=cast(mean):FLOAT16",
                "scaled=mul(conv,mean_to_fp16):FLOAT16",
                "relu=relu(scaled):FLOAT16",
                "sig=sigmoid(x_to_fp16):FLOAT16",
                "relu_to_fp32=cast(relu):FLOAT32",        // graph outputs keep their fp32 types, cast at the end
                "sig_to_fp32=cast(sig):FLOAT32"), describe(c));
        assertEquals(TensorType.f32(1, 2, 6), c.input("x").type());
        assertEquals(DType.FLOAT32, c.output("out").type().dtype());
        assertEquals(DType.FLOAT32, c.output("gate").type().dtype());
        Tensor w16 = c.nodes().get(1).output().constantValue();
        assertEquals(DType.FLOAT16, w16.dtype());
        assertEquals(g.nodes().get(0).output().constantValue().to(DType.FLOAT16).toFloatArray()[7], w16.toFloatArray()[7]);
    }

    @Test
    void allFp32PlansLeaveTheGraphAsItIs() {
        Graph g = graph(0.5f);
        assertSame(g, PrecisionCasts.apply(g, PrecisionPlan.uniform(Precision.FP32)));
        assertSame(g, PrecisionCasts.apply(g, null));
    }

    @Test
    void theEffectivePlanDecides() {
        // a weight beyond ±65504 keeps its conv fp32 whatever the plan asks
        Graph c = PrecisionCasts.apply(graph(70000f), PrecisionPlan.uniform(Precision.FP16));
        List<String> d = describe(c);
        assertTrue(d.contains("conv=conv(x,w):FLOAT32"), d.toString());
        assertTrue(d.contains("conv_to_fp16=cast(conv):FLOAT16"), d.toString());
    }

    @Test
    void aCastThatLosesNothingSharesItsInput() {
        GraphBuilder b = new GraphBuilder("ircasts");
        Value x = b.input("x", TensorType.f32(2, 3));
        Value s = b.op("sigmoid", "s", null, x);
        Value h = b.op("cast", "h", Attributes.of("dtype", DType.FLOAT16), s);
        Value f = b.op("cast", "f", Attributes.of("dtype", DType.FLOAT32), h);
        Value f2 = b.op("cast", "f2", Attributes.of("dtype", DType.FLOAT32), b.op("cast", "h2", Attributes.of("dtype", DType.FLOAT16), s));
        b.output("sum", b.op("add", "sum", null, f, f2));
        Graph c = PrecisionCasts.apply(b.build(), new PrecisionPlan(Map.of("s", Precision.FP16), Precision.FP32));
        // s computes in fp16: the IR casts to fp16 are s itself, the casts back share one cast
        assertEquals(List.of("x_to_fp16=cast(x):FLOAT16", "s=sigmoid(x_to_fp16):FLOAT16", "s_to_fp32=cast(s):FLOAT32",
                "sum=add(s_to_fp32,s_to_fp32):FLOAT32"), describe(c));
    }

    @Test
    void constantsNobodyReadsAreDropped() {
        GraphBuilder b = new GraphBuilder("ints");
        Value x = b.input("x", TensorType.f32(2, 3));
        b.constant("shape", Tensor.ofInts(new int[]{1}, 6));
        b.output("y", b.op("relu", "r", null, x));
        Graph c = PrecisionCasts.apply(b.build(), PrecisionPlan.uniform(Precision.FP16));
        assertTrue(c.nodes().stream().noneMatch(n -> n.name().startsWith("shape")), "an unread constant is dropped");
    }
}

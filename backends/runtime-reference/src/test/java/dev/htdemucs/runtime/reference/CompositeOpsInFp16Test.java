package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A composite op computed in fp16 gives, bit for bit, what its Core ML form gives: the primitives the emitter
 * writes, each storing fp16 (tolerance: none). This is what lets {@code auto} measure the graph instead of a
 * written package.
 */
class CompositeOpsInFp16Test {
    private static final TensorType X = new TensorType(DType.FLOAT32, 1, 8, 3, 40);

    @Test void gluStoresItsGateInFp16() throws PluginException {
        GraphBuilder whole = new GraphBuilder("glu");
        Value x = fp16(whole, whole.input("x", X));
        whole.output("y", whole.op("glu", "glu", Attributes.of("axis", 1), x));

        GraphBuilder parts = new GraphBuilder("glu_parts");
        Value xp = fp16(parts, parts.input("x", X));
        List<Value> halves = parts.opMulti("split", "split", Attributes.of("axis", 1, "sizes", new int[] {4, 4}), xp);
        Value gate = parts.op("sigmoid", "gate", null, halves.get(1));
        parts.output("y", parts.op("mul", "mul", null, halves.get(0), gate));

        assertSameBits(whole.build(), parts.build());
    }

    @Test void groupNormStoresItsNormalisedAndScaledValuesInFp16() throws PluginException {
        Random r = new Random(3);
        Tensor gamma = Tensor.ofFloats(new int[] {8}, floats(r, 8, 2)), beta = Tensor.ofFloats(new int[] {8}, floats(r, 8, 1));
        GraphBuilder whole = new GraphBuilder("gn");
        Value x = fp16(whole, whole.input("x", X));
        whole.output("y", whole.op("group_norm", "gn", Attributes.of("num_groups", 2, "epsilon", 1e-5), x,
                whole.constant("gamma", gamma.to(DType.FLOAT16)), whole.constant("beta", beta.to(DType.FLOAT16))));

        GraphBuilder parts = new GraphBuilder("gn_parts");
        Value xp = fp16(parts, parts.input("x", X));
        Value grouped = parts.op("reshape", "grouped", Attributes.of("shape", new int[] {1, 2, 4 * 3 * 40}), xp);
        Value normalised = parts.op("layer_norm", "normalised", Attributes.of("axes", new int[] {2},
                "epsilon", (double) Float16.round(1e-5f)), grouped);
        Value back = parts.op("reshape", "ungrouped", Attributes.of("shape", X.shape()), normalised);
        Value scaled = parts.op("mul", "scaled", null, back, parts.constant("gamma", gamma.reshape(new int[] {8, 1, 1}).to(DType.FLOAT16)));
        parts.output("y", parts.op("add", "shifted", null, scaled, parts.constant("beta", beta.reshape(new int[] {8, 1, 1}).to(DType.FLOAT16))));

        assertSameBits(whole.build(), parts.build());
    }

    private static Value fp16(GraphBuilder b, Value x) {
        return b.op("cast", x.name() + "_to_fp16", Attributes.of("dtype", DType.FLOAT16), x);
    }

    private static void assertSameBits(Graph whole, Graph parts) throws PluginException {
        Map<String, Tensor> in = Map.of("x", Tensor.ofFloats(X.shape(), floats(new Random(7), (int) X.numel(), 3)));
        float[] a, b;
        try (ReferenceSession s = new ReferenceRuntime().open(whole, Options.NONE)) { a = s.run(in).get("y").toFloatArray(); }
        try (ReferenceSession s = new ReferenceRuntime().open(parts, Options.NONE)) { b = s.run(in).get("y").toFloatArray(); }
        assertTrue(whole.outputs().get("y").type().dtype() == DType.FLOAT16, "the op computes in fp16");
        assertArrayEquals(b, a, whole.name() + ": the op and its Core ML form differ");
        boolean rounded = true;
        for (float v : a) rounded &= Float16.round(v) == v;
        assertTrue(rounded, "every result is an fp16 value");
    }

    private static float[] floats(Random r, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (r.nextGaussian() * scale);
        return f;
    }
}

package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Runs one op through a real graph and session (so declared shapes and kernels are checked together). */
final class OpHarness {
    private OpHarness() {}

    /** One node applying {@code op} to graph inputs in0, in1, … (a null input is an absent optional one). */
    static List<FloatTensor> run(int threads, String op, Attributes attributes, FloatTensor... inputs) {
        GraphBuilder b = new GraphBuilder("single_" + op);
        Value[] in = new Value[inputs.length];
        Map<String, Tensor> feed = new LinkedHashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) continue;
            in[i] = b.input("in" + i, inputs[i].type());
            feed.put("in" + i, inputs[i].toTensor());
        }
        List<Value> outs = b.opMulti(op, op, attributes, in);
        for (int i = 0; i < outs.size(); i++) b.output("out" + i, outs.get(i));
        Graph g = b.build();
        try (ReferenceSession s = new ReferenceRuntime().open(g, Options.of(ReferenceRuntime.THREADS, String.valueOf(threads)))) {
            Map<String, Tensor> result = s.run(feed);
            List<FloatTensor> list = new ArrayList<>();
            for (int i = 0; i < outs.size(); i++) list.add(FloatTensor.of(result.get("out" + i)));
            return list;
        } catch (PluginException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    /** Single output, two threads. */
    static FloatTensor run(String op, Attributes attributes, FloatTensor... inputs) {
        return run(2, op, attributes, inputs).get(0);
    }

    static FloatTensor random(Random random, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) random.nextGaussian();
        return FloatTensor.of(shape, v);
    }

    static float peak(double[] reference) {
        double p = 0;
        for (double v : reference) p = Math.max(p, Math.abs(v));
        return (float) p;
    }

    /** |actual − expected| ≤ tolerance everywhere; the message names the worst element. */
    static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        if (expected.length != actual.length) fail(what + ": " + actual.length + " values, expected " + expected.length);
        double worst = -1;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs(actual[i] - expected[i]);
            if (!(e <= worst)) {
                worst = e;
                at = i;
            }
        }
        if (at >= 0) {
            double w = worst;
            int i = at;
            assertTrue(w <= tolerance, () -> what + ": max error " + w + " at element " + i + " (got " + actual[i]
                    + ", expected " + expected[i] + "), tolerance " + tolerance);
        }
    }

    /** Tolerance relative to the reference's peak magnitude. */
    static void assertCloseToPeak(double[] expected, float[] actual, double relative, String what) {
        assertClose(expected, actual, relative * Math.max(peak(expected), 1e-30), what);
    }

    static void assertShape(int[] expected, FloatTensor t) {
        assertTrue(java.util.Arrays.equals(expected, t.shape()),
                () -> "shape " + java.util.Arrays.toString(t.shape()) + ", expected " + java.util.Arrays.toString(expected));
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) d[i] = v[i];
        return d;
    }
}

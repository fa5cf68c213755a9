package dev.htdemucs.passes;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.util.Map;
import java.util.Random;

/** Test support: runs graphs on the reference runtime; seeded random tensors. */
final class Reference {
    private Reference() {}

    static Map<String, Tensor> run(Graph graph, Map<String, Tensor> inputs) throws PluginException {
        ModelRuntime runtime = Plugins.fromClassPath().get(ModelRuntime.class, "reference");
        try (Session s = runtime.open(graph, Options.NONE)) {
            return s.run(inputs);
        }
    }

    static Tensor random(long seed, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (r.nextGaussian() * 2 + 0.5);
        return Tensor.ofFloats(shape, v);
    }

    /** max |a - b| / max |a|. */
    static double relativeError(Tensor expected, Tensor actual) {
        float[] a = expected.toFloatArray(), b = actual.toFloatArray();
        if (a.length != b.length) throw new AssertionError("sizes differ: " + expected + " vs " + actual);
        double peak = 0, err = 0;
        for (int i = 0; i < a.length; i++) {
            peak = Math.max(peak, Math.abs(a[i]));
            err = Math.max(err, Math.abs((double) a[i] - b[i]));
            if (Float.isNaN(b[i])) return Double.NaN;
        }
        return peak == 0 ? err : err / peak;
    }
}

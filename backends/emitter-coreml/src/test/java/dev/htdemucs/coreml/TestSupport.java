package dev.htdemucs.coreml;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Helpers shared by the emitter tests: random tensors, emitting, running, comparing. */
final class TestSupport {
    private TestSupport() {}

    static final ModelMetadata NO_METADATA = new ModelMetadata("test", List.of(), 0, 0, 0, 0, 0, Map.of());

    static Plugins plugins() {
        try {
            return Plugins.fromClassPath();
        } catch (PluginException e) {
            throw new IllegalStateException(e);
        }
    }

    static Tensor randn(Random r, float scale, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * scale;
        return Tensor.ofFloats(shape, v);
    }

    static Tensor positive(Random r, int... shape) {
        float[] v = randn(r, 1f, shape).toFloatArray();
        for (int i = 0; i < v.length; i++) v[i] = Math.abs(v[i]) + 0.25f;
        return Tensor.ofFloats(shape, v);
    }

    /** Random inputs for every graph input (positive when {@code positive} is set, for sqrt/pow). */
    static Map<String, Tensor> inputs(Graph g, long seed, boolean positive) {
        Random r = new Random(seed);
        Map<String, Tensor> in = new LinkedHashMap<>();
        for (Value v : g.inputs()) in.put(v.name(), positive ? positive(r, v.type().shape()) : randn(r, 1f, v.type().shape()));
        return in;
    }

    /** {@code model} with {@code plan} realised as casts, as the converter emits it. */
    static LoadedModel withCasts(LoadedModel model, PrecisionPlan plan) {
        return model.withGraph(PrecisionCasts.apply(model.graph(), plan));
    }

    static Emitter.EmitResult emit(Graph g, PrecisionPlan plan, Path out, Options options) throws PluginException {
        return new CoreMLEmitter().emit(new LoadedModel(PrecisionCasts.apply(g, plan), NO_METADATA), out, options);
    }

    /** Runs {@code g} with {@code plan}'s casts on the reference runtime. */
    static Map<String, Tensor> runReference(Graph g, PrecisionPlan plan, Map<String, Tensor> inputs) throws PluginException {
        ModelRuntime reference = plugins().get(ModelRuntime.class, "reference");
        try (Session s = reference.open(PrecisionCasts.apply(g, plan), Options.of("threads", "2"))) {
            return s.run(inputs);
        }
    }

    /** Runs a package on {@code coreml-reference}. */
    static Map<String, Tensor> runPackage(Path pkg, Map<String, Tensor> inputs) throws PluginException {
        try (Session s = plugins().get(ModelRuntime.class, "coreml-reference").open(pkg, Options.of("threads", "2"))) {
            return s.run(inputs);
        }
    }

    /** max |a - b| / max(peak |a|, tiny). */
    static double relativeError(Tensor expected, Tensor actual) {
        float[] e = expected.toFloatArray(), a = actual.toFloatArray();
        if (e.length != a.length) throw new AssertionError("sizes differ: " + expected.type() + " vs " + actual.type());
        double peak = 0, diff = 0;
        for (int i = 0; i < e.length; i++) {
            peak = Math.max(peak, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs((double) e[i] - a[i]));
        }
        return diff / Math.max(peak, 1e-30);
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static TensorType f32(int... shape) { return TensorType.f32(shape); }
}

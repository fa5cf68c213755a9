package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;
import dev.htdemucs.runtime.reference.StepObserver;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import dev.htdemucs.runtime.reference.kernel.Parallel;

import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Watches an fp32 reference run and measures, at each probed op, what fp16 storage would do there, in one
 * pass over the fp32 activations without keeping them. With {@code x} the op's fp32 activation operands,
 * {@code w} its floating-point constants and {@code y = op(x, w)}, all as sums of squares over elements:
 *
 * <ul>
 *   <li>{@code outputRounding[k] = Σ (fp16(y_k) − y_k)²}: the noise of storing output k in fp16;</li>
 *   <li>{@code inputRounding[j] = Σ (fp16(x_j) − x_j)²}: the same for activation operand j (0 for constants);</li>
 *   <li>{@code inputNoise[j][k] = Σ (op(x with x_j rounded to fp16, w)_k − y_k)²}: what the rounding of
 *       operand j becomes at output k, so {@code inputNoise[j][k] / inputRounding[j]} is the op's noise
 *       power gain from operand j to output k (operands are perturbed one at a time because their gains
 *       differ wildly: noise on the scalar std that divides a whole tensor counts once per element);</li>
 *   <li>{@code constantNoise[k] = Σ (op(x, fp16(w))_k − y_k)²}: the noise of storing the constants in fp16;</li>
 *   <li>{@code outputPower[k] = Σ y_k²}, {@code inputPower[j] = Σ x_j²}.</li>
 * </ul>
 *
 * A result beyond the fp16 range rounds to infinity, so its noise is infinite. Each probed op runs once
 * more per activation operand, and once more if it has floating-point constants.
 */
final class Fp16NoiseProbe implements StepObserver {
    /** What was measured at one op (see the class comment). */
    record OpNoise(double[] outputRounding, double[] outputPower, double[] inputRounding, double[] inputPower,
                   double[][] inputNoise, double[] constantNoise) {
        /**
         * Noise power gain from activation operand j to output k: 0 for a constant operand; for an operand
         * that fp16 stores exactly (so no gain could be measured), the ratio of output to operand power.
         */
        double gain(int j, int k) {
            if (inputNoise[j] == null) return 0;
            if (inputRounding[j] > 0) return inputNoise[j][k] / inputRounding[j];
            return inputPower[j] > 0 ? outputPower[k] / inputPower[j] : 0;
        }

        boolean inputOverflows(int j) {
            if (inputNoise[j] == null) return false;
            for (double n : inputNoise[j]) if (!Double.isFinite(n)) return true;
            return false;
        }
    }

    private final Set<String> probed;
    private final Map<String, OpNoise> measured = new LinkedHashMap<>();
    /**
     * The fp16 roundings of the last few op outputs, by the identity of their data array: the ops that
     * read a value soon after it was computed (most reads) take its rounding and sums from here instead
     * of rounding it again. The sums are the same ones, in the same order, so nothing changes but time.
     */
    private final Map<float[], Rounded> recent = new IdentityHashMap<>();
    private final ArrayDeque<float[]> recentOrder = new ArrayDeque<>();
    private long recentElements;
    /** At most this many recent outputs are kept, and beyond the newest one at most {@link #RECENT_ELEMENTS} elements. */
    private static final int RECENT = 4;
    private static final long RECENT_ELEMENTS = 1L << 26;

    /** An array rounded to fp16, with {@code Σ (fp16(x) − x)²} and {@code Σ x²} in element order. */
    private record Rounded(float[] data, double rounding, double power) {}

    Fp16NoiseProbe(Set<String> probed) { this.probed = probed; }

    @Override public void executed(ExecutedStep step) {
        Node node = step.node();
        if (!probed.contains(node.name())) return;
        Parallel parallel = step.parallel();
        FloatTensor[] in = step.inputs();
        FloatTensor[] y = step.outputs();
        FloatTensor[] roundedConstants = in.clone();
        double[] inputRounding = new double[in.length], inputPower = new double[in.length];
        double[][] inputNoise = new double[in.length][];
        boolean hasConstants = false;
        for (int j = 0; j < in.length; j++) {
            if (!isFloat(in[j])) continue;
            if (node.input(j).isConstant()) {
                roundedConstants[j] = in[j].withData(roundedCopy(in[j].data(), parallel));
                hasConstants = true;
            } else {
                Rounded r = rounded(in[j].data(), parallel);
                inputRounding[j] = r.rounding();
                inputPower[j] = r.power();
                FloatTensor[] operands = in.clone();
                operands[j] = in[j].withData(r.data());
                inputNoise[j] = noise(y, step.execute(operands));
            }
        }
        double[] outputRounding = new double[y.length], outputPower = new double[y.length];
        for (int k = 0; k < y.length; k++) {
            if (y[k].dtype().isFloatingPoint()) {
                Rounded r = rounded(y[k].data(), parallel);
                outputPower[k] = r.power();
                outputRounding[k] = r.rounding();
            } else {
                outputPower[k] = power(y[k].data());
            }
        }
        double[] constantNoise = hasConstants ? noise(y, step.execute(roundedConstants)) : new double[y.length];
        measured.put(node.name(), new OpNoise(outputRounding, outputPower, inputRounding, inputPower, inputNoise, constantNoise));
    }

    private static boolean isFloat(FloatTensor t) {
        return t != null && t.dtype().isFloatingPoint() && t.dtype() != DType.FLOAT16;
    }

    /** {@code data} rounded to fp16 with its sums, from the recent outputs when it is one of them. */
    private Rounded rounded(float[] data, Parallel parallel) {
        Rounded r = recent.get(data);
        if (r != null) return r;
        float[] copy = roundedCopy(data, parallel);
        r = new Rounded(copy, squaredDistance(data, copy), power(data));
        recent.put(data, r);
        recentOrder.addLast(data);
        recentElements += data.length;
        while (recentOrder.size() > RECENT || recentOrder.size() > 1 && recentElements > RECENT_ELEMENTS) {
            recentElements -= recent.remove(recentOrder.removeFirst()).data().length;
        }
        return r;
    }

    private static double[] noise(FloatTensor[] reference, FloatTensor[] perturbed) {
        double[] n = new double[reference.length];
        for (int k = 0; k < n.length; k++) n[k] = squaredDistance(reference[k].data(), perturbed[k].data());
        return n;
    }

    private static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double e = (double) b[i] - a[i];
            s += e * e;
        }
        return s;
    }

    private static double power(float[] a) {
        double s = 0;
        for (float f : a) s += (double) f * f;
        return s;
    }

    /** Element-wise, so the chunks may run in parallel. */
    private static float[] roundedCopy(float[] src, Parallel parallel) {
        float[] copy = new float[src.length];
        parallel.forChunks(src.length, 1 << 16, (from, to) -> {
            for (int i = from; i < to; i++) copy[i] = Float16.round(src[i]);
        });
        return copy;
    }

    /** Measurements by node name, in graph order. */
    Map<String, OpNoise> measured() { return measured; }
}

package dev.htdemucs.precision.auto;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;
import dev.htdemucs.runtime.reference.StepObserver;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;

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

    Fp16NoiseProbe(Set<String> probed) { this.probed = probed; }

    @Override public void executed(ExecutedStep step) {
        Node node = step.node();
        if (!probed.contains(node.name())) return;
        FloatTensor[] in = step.inputs();
        FloatTensor[] y = step.outputs();
        FloatTensor[] roundedConstants = in.clone();
        double[] inputRounding = new double[in.length], inputPower = new double[in.length];
        double[][] inputNoise = new double[in.length][];
        boolean hasConstants = false;
        for (int j = 0; j < in.length; j++) {
            if (!isFloat(in[j])) continue;
            FloatTensor r = roundedToFp16(in[j]);
            if (node.input(j).isConstant()) {
                roundedConstants[j] = r;
                hasConstants = true;
            } else {
                inputRounding[j] = squaredDistance(in[j].data(), r.data());
                inputPower[j] = power(in[j].data());
                FloatTensor[] operands = in.clone();
                operands[j] = r;
                inputNoise[j] = noise(y, step.execute(operands));
            }
        }
        double[] outputRounding = new double[y.length], outputPower = new double[y.length];
        for (int k = 0; k < y.length; k++) {
            float[] d = y[k].data();
            double power = 0, rounding = 0;
            boolean floating = y[k].dtype().isFloatingPoint();
            for (float f : d) {
                power += (double) f * f;
                if (floating) {
                    double e = Float16.round(f) - (double) f;
                    rounding += e * e;
                }
            }
            outputPower[k] = power;
            outputRounding[k] = rounding;
        }
        double[] constantNoise = hasConstants ? noise(y, step.execute(roundedConstants)) : new double[y.length];
        measured.put(node.name(), new OpNoise(outputRounding, outputPower, inputRounding, inputPower, inputNoise, constantNoise));
    }

    private static boolean isFloat(FloatTensor t) {
        return t != null && t.dtype().isFloatingPoint() && t.dtype() != DType.FLOAT16;
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

    private static FloatTensor roundedToFp16(FloatTensor t) {
        float[] src = t.data(), copy = new float[src.length];
        for (int i = 0; i < src.length; i++) copy[i] = Float16.round(src[i]);
        return t.withData(copy);
    }

    /** Measurements by node name, in graph order. */
    Map<String, OpNoise> measured() { return measured; }
}

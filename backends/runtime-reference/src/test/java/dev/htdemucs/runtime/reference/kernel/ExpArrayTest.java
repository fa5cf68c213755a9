package dev.htdemucs.runtime.reference.kernel;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The array form of {@link Exp} and the kernels that use it give exactly what the one-element form gives. */
class ExpArrayTest {
    @Test void arrayFormIsBitIdenticalToTheScalarForm() {
        Random rnd = new Random(7);
        int n = 100_000;
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 5) {
                case 0 -> -rnd.nextDouble() * 40;         // softmax's arguments
                case 1 -> rnd.nextGaussian() * 8;          // sigmoid's
                case 2 -> (rnd.nextDouble() - 0.5) * 1500; // beyond the normal range both ways
                case 3 -> Math.rint(rnd.nextGaussian() * 30) * Math.log(2) / 2; // near the ties of k
                default -> rnd.nextDouble() * 1e-6;
            };
        }
        double[] edges = {0, -0.0, 1, -1, -708, -708.0000001, -707.9999999, 709.782712893384, 709.7827128933841, 710, -745, -746,
                Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE, Double.MAX_VALUE};
        System.arraycopy(edges, 0, x, 0, edges.length);
        double[] out = new double[n], scratch = new double[n];
        Exp.exp(x, out, scratch, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Double.doubleToRawLongBits(Exp.exp(x[i])), Double.doubleToRawLongBits(out[i]), "exp(" + x[i] + ")");
        }
    }

    @Test void sigmoidAndGluKernelsMatchTheOneElementSigmoid() {
        Random rnd = new Random(3);
        float[] x = new float[3 * Exp.BLOCK + 17];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * 6);
        x[0] = Float.NaN;
        x[1] = Float.POSITIVE_INFINITY;
        x[2] = Float.NEGATIVE_INFINITY;
        x[3] = -800f;
        float[] out = new float[x.length];
        new SigmoidKernel().apply(x, out, 5, x.length);
        for (int i = 5; i < x.length; i++) assertEquals(Float.floatToRawIntBits(SigmoidKernel.sigmoid(x[i])), Float.floatToRawIntBits(out[i]));
        new SigmoidKernel().apply(x, out, 0, 5);
        for (int i = 0; i < 5; i++) assertEquals(Float.floatToRawIntBits(SigmoidKernel.sigmoid(x[i])), Float.floatToRawIntBits(out[i]));
    }

    @Test void geluKernelMatchesTheOneElementGelu() {
        Random rnd = new Random(5);
        float[] x = new float[2 * Exp.BLOCK + 33];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 20 : 3));
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, 8f, 8.000001f, -14.1f, -14.2f, -40f, 1e-30f, -1e-30f};
        System.arraycopy(special, 0, x, 0, special.length);
        float[] out = new float[x.length];
        new GeluKernel().apply(x, out, 0, x.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToRawIntBits((float) GeluKernel.gelu(x[i])), Float.floatToRawIntBits(out[i]), "gelu(" + x[i] + ")");
        }
    }
}

package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.htdemucs.runtime.reference.OpHarness.assertCloseToPeak;
import static dev.htdemucs.runtime.reference.OpHarness.assertShape;
import static dev.htdemucs.runtime.reference.OpHarness.random;

/** linear and matmul (batched, broadcast, transposed) against double-precision loops. */
class MatMulKernelTest {
    /** Max error relative to the reference's peak. */
    private static final double TOLERANCE = 1e-5;

    private final Random random = new Random(7);

    @Test void linearWithBiasOverLeadingAxes() {
        FloatTensor x = random(random, 2, 5, 7), w = random(random, 3, 7), b = random(random, 3);
        FloatTensor y = OpHarness.run("linear", Attributes.EMPTY, x, w, b);
        assertShape(new int[] {2, 5, 3}, y);
        assertCloseToPeak(linear(x, w, b, 10, 7, 3), y.data(), TOLERANCE, "linear");
    }

    @Test void linearLargerThanOneBlock() {
        FloatTensor x = random(random, 300, 200), w = random(random, 260, 200);
        FloatTensor y = OpHarness.run("linear", Attributes.EMPTY, x, w, null);
        assertCloseToPeak(linear(x, w, null, 300, 200, 260), y.data(), TOLERANCE, "linear without bias");
    }

    private static double[] linear(FloatTensor x, FloatTensor w, FloatTensor b, int rows, int in, int out) {
        double[] r = new double[rows * out];
        for (int i = 0; i < rows; i++)
            for (int o = 0; o < out; o++) {
                double s = b == null ? 0 : b.data()[o];
                for (int k = 0; k < in; k++) s += (double) x.data()[i * in + k] * w.data()[o * in + k];
                r[i * out + o] = s;
            }
        return r;
    }

    @Test void batchedWithBroadcastBatchAxes() {
        FloatTensor x = random(random, 2, 1, 4, 5), y = random(random, 3, 5, 6);
        FloatTensor z = OpHarness.run("matmul", Attributes.EMPTY, x, y);
        assertShape(new int[] {2, 3, 4, 6}, z);
        double[] ref = new double[2 * 3 * 4 * 6];
        for (int a = 0; a < 2; a++)
            for (int c = 0; c < 3; c++) {
                double[] block = Naive.matmul(x.data(), a * 20, y.data(), c * 30, 4, 5, 6);
                System.arraycopy(block, 0, ref, (a * 3 + c) * 24, 24);
            }
        assertCloseToPeak(ref, z.data(), TOLERANCE, "broadcast matmul");
    }

    @Test void transposeFlags() {
        // x stored [B, K, M] with transpose_x, y stored [B, N, K] with transpose_y: attention's Q·Kᵀ form
        int batch = 3, m = 40, k = 70, n = 300;
        FloatTensor xt = random(random, batch, k, m), yt = random(random, batch, n, k);
        FloatTensor z = OpHarness.run("matmul", Attributes.of("transpose_x", true, "transpose_y", true), xt, yt);
        assertShape(new int[] {batch, m, n}, z);
        double[] ref = new double[batch * m * n];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += (double) xt.data()[(b * k + p) * m + i] * yt.data()[(b * n + j) * k + p];
                    ref[(b * m + i) * n + j] = s;
                }
        assertCloseToPeak(ref, z.data(), TOLERANCE, "matmul with transposes");
    }

    @Test void rank2TimesBatchedRightHandSide() {
        FloatTensor x = random(random, 4, 9), y = random(random, 2, 9, 3);
        FloatTensor z = OpHarness.run("matmul", Attributes.EMPTY, x, y);
        assertShape(new int[] {2, 4, 3}, z);
        double[] ref = new double[24];
        for (int b = 0; b < 2; b++) System.arraycopy(Naive.matmul(x.data(), 0, y.data(), b * 27, 4, 9, 3), 0, ref, b * 12, 12);
        assertCloseToPeak(ref, z.data(), TOLERANCE, "rank-2 · rank-3");
    }

    @Test void smallHandComputedProduct() {
        FloatTensor x = FloatTensor.of(new int[] {2, 2}, 1, 2, 3, 4), y = FloatTensor.of(new int[] {2, 2}, 5, 6, 7, 8);
        FloatTensor z = OpHarness.run("matmul", Attributes.EMPTY, x, y);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[] {19, 22, 43, 50}, z.data());
    }
}

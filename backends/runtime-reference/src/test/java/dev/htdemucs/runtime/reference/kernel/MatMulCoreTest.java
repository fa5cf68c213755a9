package dev.htdemucs.runtime.reference.kernel;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared GEMM engine against a double-precision triple loop, over block-boundary sizes. */
class MatMulCoreTest {
    /** Max error relative to the reference's peak. */
    private static final double TOLERANCE = 1e-5;

    private static final int[][] SIZES = { // m, n, k
            {1, 1, 1}, {3, 5, 7}, {2, 1000, 3}, {17, 300, 130}, {70, 513, 257}, {33, 512, 128}, {1, 700, 400},
            {300, 48, 200}, {500, 7, 64}}; // the last two are narrow: computed transposed

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static void check(double[] ref, float[] got, String what) {
        double peak = 0, worst = 0;
        for (int i = 0; i < ref.length; i++) {
            peak = Math.max(peak, Math.abs(ref[i]));
            worst = Math.max(worst, Math.abs(ref[i] - got[i]));
        }
        double w = worst, p = peak;
        assertTrue(worst <= TOLERANCE * peak, () -> what + ": max error " + w + " vs peak " + p);
    }

    @Test void denseAndTransposedRightHandSides() {
        Random r = new Random(5);
        try (Parallel two = Parallel.withThreads(2)) {
            for (int[] s : SIZES) {
                int m = s[0], n = s[1], k = s[2];
                float[] a = random(r, m * k), b = random(r, k * n), bias = random(r, n);
                double[] ref = new double[m * n];
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        double sum = bias[j];
                        for (int p = 0; p < k; p++) sum += (double) a[i * k + p] * b[p * n + j];
                        ref[i * n + j] = sum;
                    }
                float[] c = new float[m * n];
                for (int i = 0; i < m; i++) System.arraycopy(bias, 0, c, i * n, n);
                MatMulCore.multiplyAdd(two, new MatMulCore.Product(m, n, k, a, 0, k, MatMulCore.dense(b, 0, n, 1), c, 0, n));
                check(ref, c, "dense " + m + "x" + n + "x" + k);

                float[] bt = new float[n * k]; // B stored transposed [n, k]
                for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
                float[] c2 = new float[m * n];
                for (int i = 0; i < m; i++) System.arraycopy(bias, 0, c2, i * n, n);
                MatMulCore.multiplyAdd(two, new MatMulCore.Product(m, n, k, a, 0, k, MatMulCore.dense(bt, 0, 1, k), c2, 0, n));
                assertArrayEquals(c, c2, "reading B transposed gives the very same sums");
            }
        }
    }

    @Test void generalStridesAndOffsets() {
        Random r = new Random(6);
        int m = 9, n = 20, k = 11;
        float[] a = random(r, 5 + m * 13), b = random(r, 3 + k * n * 2);
        // A rows of length k start every 13 floats from offset 5; B[p][j] = b[3 + p·2n·… ] with column stride 2
        double[] ref = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int p = 0; p < k; p++) ref[i * n + j] += (double) a[5 + i * 13 + p] * b[3 + p * 2 * n + j * 2];
        float[] c = new float[4 + m * 25];
        MatMulCore.multiplyAdd(Parallel.sequential(), new MatMulCore.Product(m, n, k, a, 5, 13,
                MatMulCore.dense(b, 3, 2 * n, 2), c, 4, 25));
        float[] got = new float[m * n];
        for (int i = 0; i < m; i++) System.arraycopy(c, 4 + i * 25, got, i * n, n);
        check(ref, got, "strided");
        for (int i = 0; i < m; i++) for (int j = n; j < 25 && 4 + i * 25 + j < c.length; j++) {
            assertTrue(c[4 + i * 25 + j] == 0f, "columns beyond n are untouched");
        }
    }

    @Test void resultsDoNotDependOnThreadCount() {
        Random r = new Random(8);
        List<MatMulCore.Product> one = new ArrayList<>(), two = new ArrayList<>();
        int m = 150, n = 700, k = 300;
        float[] a = random(r, m * k), b = random(r, k * n);
        float[] c1 = new float[m * n], c2 = new float[m * n];
        one.add(new MatMulCore.Product(m, n, k, a, 0, k, MatMulCore.dense(b, 0, n, 1), c1, 0, n));
        two.add(new MatMulCore.Product(m, n, k, a, 0, k, MatMulCore.dense(b, 0, n, 1), c2, 0, n));
        int mn = 400, nn = 40, kn = 300; // a narrow product
        float[] an = random(r, mn * kn), bn = random(r, kn * nn);
        float[] c3 = new float[mn * nn], c4 = new float[mn * nn];
        one.add(new MatMulCore.Product(mn, nn, kn, an, 0, kn, MatMulCore.dense(bn, 0, nn, 1), c3, 0, nn));
        two.add(new MatMulCore.Product(mn, nn, kn, an, 0, kn, MatMulCore.dense(bn, 0, nn, 1), c4, 0, nn));
        MatMulCore.multiplyAdd(Parallel.sequential(), one);
        try (Parallel p = Parallel.withThreads(2)) {
            MatMulCore.multiplyAdd(p, two);
        }
        assertArrayEquals(c1, c2, "every element sums its terms in the same order whatever the tiling");
        assertArrayEquals(c3, c4, "also when computed transposed");
    }
}

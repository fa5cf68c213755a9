package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.htdemucs.runtime.reference.OpHarness.assertClose;
import static dev.htdemucs.runtime.reference.OpHarness.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** layer_norm, group_norm, softmax, reduce_mean/reduce_sum against double-precision definitions. */
class NormalizationKernelTest {
    /** Absolute tolerance on O(1) normalised outputs: a few float32 ulps. */
    private static final double NORM_TOLERANCE = 2e-6;

    private final Random random = new Random(3);

    @Test void layerNormLastAxisWithAffine() {
        FloatTensor x = random(random, 2, 3, 50), gamma = random(random, 50), beta = random(random, 50);
        FloatTensor y = OpHarness.run("layer_norm", Attributes.of("epsilon", 1e-5), x, gamma, beta);
        double[] ref = Naive.normalizeBlocks(x.data(), 50, 1e-5);
        for (int i = 0; i < ref.length; i++) ref[i] = ref[i] * gamma.data()[i % 50] + beta.data()[i % 50];
        assertClose(ref, y.data(), NORM_TOLERANCE * 4, "layer_norm");
    }

    @Test void layerNormTwoTrailingAxesWithoutAffine() {
        FloatTensor x = random(random, 3, 4, 6);
        for (int i = 0; i < x.numel(); i++) x.data()[i] = x.data()[i] * 5 + 100; // large mean: needs a stable variance
        FloatTensor y = OpHarness.run("layer_norm", Attributes.of("axes", new int[] {-2, -1}), x);
        assertClose(Naive.normalizeBlocks(x.data(), 24, 1e-5), y.data(), NORM_TOLERANCE, "layer_norm over 2 axes");
    }

    @Test void groupNorm2dWithAffine() {
        int n = 2, c = 6, groups = 3, spatial = 20;
        FloatTensor x = random(random, n, c, 4, 5), gamma = random(random, c), beta = random(random, c);
        FloatTensor y = OpHarness.run("group_norm", Attributes.of("num_groups", groups, "epsilon", 1e-5), x, gamma, beta);
        double[] ref = Naive.normalizeBlocks(x.data(), (c / groups) * spatial, 1e-5);
        for (int i = 0; i < ref.length; i++) {
            int ch = (i / spatial) % c;
            ref[i] = ref[i] * gamma.data()[ch] + beta.data()[ch];
        }
        assertClose(ref, y.data(), NORM_TOLERANCE * 4, "group_norm");
    }

    @Test void groupNormSingleGroupOver1d() {
        // demucs' DConv uses GroupNorm(1, C): statistics over all channels and time
        FloatTensor x = random(random, 3, 8, 33), gamma = random(random, 8);
        FloatTensor y = OpHarness.run("group_norm", Attributes.of("num_groups", 1), x, gamma);
        double[] ref = Naive.normalizeBlocks(x.data(), 8 * 33, 1e-5);
        for (int i = 0; i < ref.length; i++) ref[i] *= gamma.data()[(i / 33) % 8];
        assertClose(ref, y.data(), NORM_TOLERANCE * 4, "group_norm 1 group");
    }

    @Test void groupNormOverMoreThanOneStatisticsBlock() {
        // 1 group of 4·100·100 = 40 000 elements: statistics over three blocks, combined in order
        FloatTensor x = random(random, 1, 4, 100, 100), beta = random(random, 4);
        for (int i = 0; i < x.numel(); i++) x.data()[i] = x.data()[i] * 0.01f + 3f;
        FloatTensor y = OpHarness.run("group_norm", Attributes.of("num_groups", 1, "epsilon", 1e-5), x, null, beta);
        double[] ref = Naive.normalizeBlocks(x.data(), x.numel(), 1e-5);
        for (int i = 0; i < ref.length; i++) ref[i] += beta.data()[i / 10000];
        assertClose(ref, y.data(), NORM_TOLERANCE * 4, "group_norm, 1 large group");
    }

    @Test void softmaxLastAxisSumsToOneAndMatchesDefinition() {
        FloatTensor x = random(random, 5, 37);
        FloatTensor y = OpHarness.run("softmax", Attributes.EMPTY, x);
        double[] ref = new double[x.numel()];
        for (int r = 0; r < 5; r++) {
            double sum = 0;
            for (int i = 0; i < 37; i++) sum += Math.exp(x.data()[r * 37 + i]);
            for (int i = 0; i < 37; i++) ref[r * 37 + i] = Math.exp(x.data()[r * 37 + i]) / sum;
            double total = 0;
            for (int i = 0; i < 37; i++) total += y.data()[r * 37 + i];
            assertEquals(1.0, total, 1e-6, "row " + r + " sums to 1");
        }
        assertClose(ref, y.data(), 1e-7, "softmax");
    }

    @Test void softmaxMiddleAxisIsStableForLargeInputs() {
        float[] v = new float[2 * 3 * 2];
        for (int i = 0; i < v.length; i++) v[i] = 1000f + i;
        FloatTensor y = OpHarness.run("softmax", Attributes.of("axis", 1), FloatTensor.of(new int[] {2, 3, 2}, v));
        // along axis 1 the values step by 2: softmax of (0, 2, 4)
        double z = 1 + Math.exp(2) + Math.exp(4);
        double[] one = {1 / z, Math.exp(2) / z, Math.exp(4) / z};
        double[] ref = new double[12];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 2; c++) ref[(a * 3 + b) * 2 + c] = one[b];
        for (float f : y.data()) assertTrue(Float.isFinite(f), "finite for inputs near 1000");
        assertClose(ref, y.data(), 1e-7, "softmax axis 1");
    }

    @Test void reduceSumAndMeanOverAxes() {
        FloatTensor x = random(random, 2, 3, 4);
        float[] d = x.data();
        FloatTensor sum1 = OpHarness.run("reduce_sum", Attributes.of("axes", new int[] {1}), x);
        assertArrayEquals(new int[] {2, 4}, sum1.shape());
        double[] ref = new double[8];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 4; c++) ref[a * 4 + c] += d[(a * 3 + b) * 4 + c];
        assertClose(ref, sum1.data(), 1e-6, "reduce_sum axis 1");

        FloatTensor mean02 = OpHarness.run("reduce_mean", Attributes.of("axes", new int[] {0, -1}, "keep_dims", true), x);
        assertArrayEquals(new int[] {1, 3, 1}, mean02.shape());
        double[] ref2 = new double[3];
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 4; c++) ref2[b] += d[(a * 3 + b) * 4 + c] / 8.0;
        assertClose(ref2, mean02.data(), 1e-6, "reduce_mean axes 0, -1");

        FloatTensor all = OpHarness.run("reduce_mean", Attributes.of("axes", new int[] {0, 1, 2}), x);
        assertArrayEquals(new int[0], all.shape());
        double total = 0;
        for (float f : d) total += f;
        assertEquals(total / 24, all.data()[0], 1e-6);
    }

    @Test void reduceSumKeepsDoublePrecisionOverManyTerms() {
        float[] v = new float[1 << 20];
        java.util.Arrays.fill(v, 0.1f);
        FloatTensor s = OpHarness.run("reduce_sum", Attributes.of("axes", new int[] {0}), FloatTensor.of(new int[] {v.length}, v));
        assertEquals((float) (0.1f * (double) v.length), s.data()[0], 0f, "a float accumulator would drift by ~1%");
    }
}

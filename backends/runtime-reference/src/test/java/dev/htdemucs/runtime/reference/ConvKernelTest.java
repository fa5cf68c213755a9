package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.htdemucs.runtime.reference.OpHarness.assertCloseToPeak;
import static dev.htdemucs.runtime.reference.OpHarness.assertShape;
import static dev.htdemucs.runtime.reference.OpHarness.random;

/** conv and conv_transpose against direct double-precision definitions ({@link Naive}). */
class ConvKernelTest {
    /** Max error relative to the reference's peak; float32 dot products of ≤ 400 terms stay far below. */
    private static final double TOLERANCE = 1e-5;

    private final Random random = new Random(42);

    // ---- conv ----

    private void checkConv2d(int n, int cin, int h, int w, int cout, int kh, int kw, int sh, int sw, int dh, int dw,
                             int pt, int pb, int pl, int pr, int groups, boolean withBias) {
        FloatTensor x = random(random, n, cin, h, w);
        FloatTensor wt = random(random, cout, cin / groups, kh, kw);
        FloatTensor b = withBias ? random(random, cout) : null;
        FloatTensor out = OpHarness.run("conv", Attributes.of("strides", new int[] {sh, sw}, "dilations", new int[] {dh, dw},
                "pads", new int[] {pt, pb, pl, pr}, "groups", groups), x, wt, b);
        double[] ref = Naive.conv2d(x.data(), n, cin, h, w, wt.data(), cout, kh, kw, b == null ? null : b.data(),
                sh, sw, dh, dw, pt, pb, pl, pr, groups);
        int oh = (h + pt + pb - dh * (kh - 1) - 1) / sh + 1, ow = (w + pl + pr - dw * (kw - 1) - 1) / sw + 1;
        assertShape(new int[] {n, cout, oh, ow}, out);
        assertCloseToPeak(ref, out.data(), TOLERANCE, "conv2d");
    }

    private void checkConv1d(int n, int cin, int l, int cout, int k, int stride, int dilation, int pb, int pe,
                             int groups, boolean withBias) {
        FloatTensor x = random(random, n, cin, l);
        FloatTensor wt = random(random, cout, cin / groups, k);
        FloatTensor b = withBias ? random(random, cout) : null;
        FloatTensor out = OpHarness.run("conv", Attributes.of("strides", new int[] {stride}, "dilations", new int[] {dilation},
                "pads", new int[] {pb, pe}, "groups", groups), x, wt, b);
        double[] ref = Naive.conv2d(x.data(), n, cin, 1, l, wt.data(), cout, 1, k, b == null ? null : b.data(),
                1, stride, 1, dilation, 0, 0, pb, pe, groups);
        int ol = (l + pb + pe - dilation * (k - 1) - 1) / stride + 1;
        assertShape(new int[] {n, cout, ol}, out);
        assertCloseToPeak(ref, out.data(), TOLERANCE, "conv1d");
    }

    @Test void conv1dSamePadding() { checkConv1d(2, 4, 37, 6, 3, 1, 1, 1, 1, 1, true); }

    @Test void conv1dStrideDilationAsymmetricPadsGroups() { checkConv1d(2, 4, 41, 6, 3, 2, 2, 3, 0, 2, false); }

    @Test void conv1dPointwise() { checkConv1d(3, 5, 19, 7, 1, 1, 1, 0, 0, 1, true); }

    @Test void conv1dDepthwise() { checkConv1d(1, 6, 30, 6, 5, 1, 3, 6, 6, 6, true); }

    @Test void conv1dLikeDemucsTimeEncoderWithManyBlocks() {
        // depth 48·8 = 384 > K_BLOCK and 499 outputs > N_BLOCK: several panels per tile
        checkConv1d(1, 48, 2000, 20, 8, 4, 1, 2, 2, 1, true);
    }

    @Test void conv2dGeneral() { checkConv2d(2, 3, 9, 11, 4, 3, 2, 2, 1, 1, 2, 1, 0, 2, 1, 1, true); }

    @Test void conv2dFrequencyKernelGrouped() { checkConv2d(1, 6, 64, 13, 9, 8, 1, 4, 1, 1, 1, 2, 2, 0, 0, 3, true); }

    @Test void conv2dPointwise() { checkConv2d(2, 5, 7, 9, 3, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, false); }

    @Test void conv2dStridedPointwiseIsNotTreatedAsDense() { checkConv2d(1, 3, 8, 8, 2, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1, true); }

    @Test void conv2dPaddingWiderThanInput() { checkConv2d(1, 2, 3, 2, 2, 3, 3, 1, 1, 1, 1, 4, 3, 3, 4, 1, true); }

    // ---- conv_transpose ----

    private void checkConvTranspose2d(int n, int cin, int h, int w, int coutG, int kh, int kw, int sh, int sw, int dh, int dw,
                                      int pt, int pb, int pl, int pr, int groups, boolean withBias) {
        FloatTensor x = random(random, n, cin, h, w);
        FloatTensor wt = random(random, cin, coutG, kh, kw);
        FloatTensor b = withBias ? random(random, coutG * groups) : null;
        FloatTensor out = OpHarness.run("conv_transpose", Attributes.of("strides", new int[] {sh, sw},
                "dilations", new int[] {dh, dw}, "pads", new int[] {pt, pb, pl, pr}, "groups", groups), x, wt, b);
        int oh = (h - 1) * sh + dh * (kh - 1) + 1 - pt - pb, ow = (w - 1) * sw + dw * (kw - 1) + 1 - pl - pr;
        assertShape(new int[] {n, coutG * groups, oh, ow}, out);
        double[] ref = Naive.convTranspose2d(x.data(), n, cin, h, w, wt.data(), coutG, kh, kw, b == null ? null : b.data(),
                sh, sw, dh, dw, pt, pl, groups, oh, ow);
        assertCloseToPeak(ref, out.data(), TOLERANCE, "conv_transpose2d");
    }

    private void checkConvTranspose1d(int n, int cin, int l, int coutG, int k, int stride, int dilation, int pb, int pe,
                                      int groups, boolean withBias) {
        FloatTensor x = random(random, n, cin, l);
        FloatTensor wt = random(random, cin, coutG, k);
        FloatTensor b = withBias ? random(random, coutG * groups) : null;
        FloatTensor out = OpHarness.run("conv_transpose", Attributes.of("strides", new int[] {stride},
                "dilations", new int[] {dilation}, "pads", new int[] {pb, pe}, "groups", groups), x, wt, b);
        int ol = (l - 1) * stride + dilation * (k - 1) + 1 - pb - pe;
        assertShape(new int[] {n, coutG * groups, ol}, out);
        double[] ref = Naive.convTranspose2d(x.data(), n, cin, 1, l, wt.data(), coutG, 1, k, b == null ? null : b.data(),
                1, stride, 1, dilation, 0, pb, groups, 1, ol);
        assertCloseToPeak(ref, out.data(), TOLERANCE, "conv_transpose1d");
    }

    @Test void convTranspose1dLikeDemucsTimeDecoder() { checkConvTranspose1d(2, 4, 10, 3, 8, 4, 1, 2, 2, 1, true); }

    @Test void convTranspose1dDilatedAsymmetricCrop() { checkConvTranspose1d(1, 4, 9, 2, 3, 2, 2, 1, 3, 2, false); }

    @Test void convTranspose1dManyInputChannels() { checkConvTranspose1d(1, 300, 600, 5, 4, 4, 1, 0, 0, 1, true); }

    @Test void convTranspose2dFrequencyKernelGrouped() { checkConvTranspose2d(1, 6, 5, 7, 2, 8, 1, 4, 1, 1, 1, 0, 0, 0, 0, 3, true); }

    @Test void convTranspose2dGeneral() { checkConvTranspose2d(2, 3, 4, 5, 2, 3, 2, 2, 3, 2, 1, 1, 2, 0, 1, 1, true); }
}

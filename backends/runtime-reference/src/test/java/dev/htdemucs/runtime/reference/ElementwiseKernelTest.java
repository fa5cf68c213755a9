package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoubleBinaryOperator;

import static dev.htdemucs.runtime.reference.OpHarness.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Element-wise ops: broadcasting against index arithmetic, and hand-computed values. */
class ElementwiseKernelTest {
    private final Random random = new Random(11);

    /** numpy broadcasting by index arithmetic; float add/sub/mul/div are exactly (float) of the double result. */
    private static float[] broadcastReference(FloatTensor x, FloatTensor y, int[] out, DoubleBinaryOperator f) {
        int n = 1;
        for (int d : out) n *= d;
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = (float) f.applyAsDouble(x.data()[index(i, out, x.shape())], y.data()[index(i, out, y.shape())]);
        }
        return r;
    }

    private static int index(int flat, int[] out, int[] shape) {
        int idx = 0, stride = 1;
        for (int a = out.length - 1; a >= 0; a--) {
            int coord = flat % out[a];
            flat /= out[a];
            int sa = a - (out.length - shape.length);
            if (sa >= 0) {
                if (shape[sa] != 1) idx += coord * stride;
                stride *= shape[sa];
            }
        }
        return idx;
    }

    private void checkAllBinaryOps(int[] xs, int[] ys, int[] out) {
        FloatTensor x = random(random, xs), y = random(random, ys);
        for (int i = 0; i < y.numel(); i++) if (y.data()[i] == 0f) y.data()[i] = 1f;
        String[] ops = {"add", "sub", "mul", "div"};
        DoubleBinaryOperator[] fs = {Double::sum, (a, b) -> a - b, (a, b) -> a * b, (a, b) -> a / b};
        for (int k = 0; k < ops.length; k++) {
            FloatTensor z = OpHarness.run(ops[k], Attributes.EMPTY, x, y);
            assertArrayEquals(out, z.shape(), ops[k] + " shape");
            assertArrayEquals(broadcastReference(x, y, out, fs[k]), z.data(), ops[k] + " values");
        }
    }

    @Test void sameShape() { checkAllBinaryOps(new int[] {3, 4}, new int[] {3, 4}, new int[] {3, 4}); }

    @Test void trailingBroadcast() { checkAllBinaryOps(new int[] {2, 3, 4}, new int[] {3, 1}, new int[] {2, 3, 4}); }

    @Test void bothSidesBroadcast() { checkAllBinaryOps(new int[] {2, 1, 4}, new int[] {1, 3, 1}, new int[] {2, 3, 4}); }

    @Test void scalarOperand() { checkAllBinaryOps(new int[] {5, 7}, new int[0], new int[] {5, 7}); }

    @Test void biasOverLargePlaneSplitsIntoPieces() {
        checkAllBinaryOps(new int[] {1, 3, 200, 400}, new int[] {1, 3, 1, 1}, new int[] {1, 3, 200, 400});
    }

    @Test void powValues() {
        FloatTensor x = FloatTensor.of(new int[] {4}, 2f, 9f, -2f, 1.5f);
        FloatTensor y = FloatTensor.of(new int[] {4}, 3f, 0.5f, 2f, 2f);
        assertArrayEquals(new float[] {8f, 3f, 4f, 2.25f}, OpHarness.run("pow", Attributes.EMPTY, x, y).data());
    }

    @Test void unaryValues() {
        FloatTensor x = FloatTensor.of(new int[] {5}, -2f, -0.5f, 0f, 1f, 4f);
        assertArrayEquals(new float[] {0f, 0f, 0f, 1f, 4f}, OpHarness.run("relu", Attributes.EMPTY, x).data());
        assertArrayEquals(new float[] {Float.NaN, Float.NaN, 0f, 1f, 2f}, OpHarness.run("sqrt", Attributes.EMPTY, x).data());
        float[] s = OpHarness.run("sigmoid", Attributes.EMPTY, x).data();
        assertEquals(0.11920292202211755f, s[0], 0f);
        assertEquals(0.5f, s[2], 0f);
        assertEquals(0.7310585786300049f, s[3], 0f);
    }

    @Test void geluKnownValues() {
        // gelu(x) = x·Φ(x); values from the standard normal CDF
        FloatTensor x = FloatTensor.of(new int[] {5}, 1f, -1f, 0f, 3f, -5f);
        float[] g = OpHarness.run("gelu", Attributes.EMPTY, x).data();
        assertEquals((float) 0.8413447460685429, g[0], 0f);
        assertEquals((float) -0.15865525393145707, g[1], 0f);
        assertEquals(0f, g[2], 0f);
        assertEquals((float) 2.99595030590511, g[3], 0f);
        assertEquals((float) -1.4332578593959731e-06, g[4], 0f); // the tail keeps full precision
    }

    @Test void gluIsFirstHalfTimesSigmoidOfSecond() {
        FloatTensor x = random(random, 2, 4, 3);
        FloatTensor y = OpHarness.run("glu", Attributes.of("axis", 1), x);
        assertArrayEquals(new int[] {2, 2, 3}, y.shape());
        float[] d = x.data();
        for (int n = 0; n < 2; n++)
            for (int c = 0; c < 2; c++)
                for (int t = 0; t < 3; t++) {
                    double a = d[(n * 4 + c) * 3 + t], b = d[(n * 4 + c + 2) * 3 + t];
                    assertEquals(a / (1 + Math.exp(-b)), y.data()[(n * 2 + c) * 3 + t], 1e-6);
                }
    }

    @Test void castRoundsToHalfAndTruncatesToInt() {
        FloatTensor x = FloatTensor.of(new int[] {5}, 1f / 3, 65519f, 65520f, -2.7f, 1e-8f);
        FloatTensor h = OpHarness.run("cast", Attributes.of("dtype", DType.FLOAT16), x);
        assertEquals(DType.FLOAT16, h.dtype());
        assertArrayEquals(new float[] {0.333251953125f, 65504f, Float.POSITIVE_INFINITY, -2.69921875f, 0f}, h.data());
        FloatTensor i = OpHarness.run("cast", Attributes.of("dtype", DType.INT32), FloatTensor.of(new int[] {3}, -2.7f, 2.7f, 7f));
        assertArrayEquals(new float[] {-2f, 2f, 7f}, i.data());
        Tensor asTensor = i.toTensor();
        assertEquals(DType.INT32, asTensor.dtype());
        assertArrayEquals(new long[] {-2, 2, 7}, asTensor.toLongArray());
    }
}

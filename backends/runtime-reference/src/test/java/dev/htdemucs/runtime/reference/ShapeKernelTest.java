package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Data movement ops on small tensors with hand-computed results (values = their own flat index). */
class ShapeKernelTest {
    private static FloatTensor iota(int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i;
        return FloatTensor.of(shape, v);
    }

    @Test void transposeMovesAxes() {
        FloatTensor y = OpHarness.run("transpose", Attributes.of("perm", new int[] {2, 0, 1}), iota(2, 3, 4));
        assertArrayEquals(new int[] {4, 2, 3}, y.shape());
        for (int a = 0; a < 4; a++) for (int b = 0; b < 2; b++) for (int c = 0; c < 3; c++) {
            assertEquals(b * 12 + c * 4 + a, y.data()[(a * 2 + b) * 3 + c], 0f);
        }
    }

    @Test void transposeKeepingInnerAxisCopiesRuns() {
        FloatTensor y = OpHarness.run("transpose", Attributes.of("perm", new int[] {1, 0, 2}), iota(3, 2, 5));
        for (int a = 0; a < 2; a++) for (int b = 0; b < 3; b++) for (int c = 0; c < 5; c++) {
            assertEquals(b * 10 + a * 5 + c, y.data()[(a * 3 + b) * 5 + c], 0f);
        }
    }

    @Test void reshapeKeepsOrder() {
        FloatTensor y = OpHarness.run("reshape", Attributes.of("shape", new int[] {4, -1}), iota(2, 3, 2));
        assertArrayEquals(new int[] {4, 3}, y.shape());
        assertArrayEquals(iota(12).data(), y.data());
    }

    @Test void sliceTakesSubBlock() {
        FloatTensor y = OpHarness.run("slice", Attributes.of("begin", new int[] {1, 0, 1}, "end", new int[] {2, 3, 3}), iota(2, 3, 4));
        assertArrayEquals(new int[] {1, 3, 2}, y.shape());
        assertArrayEquals(new float[] {13, 14, 17, 18, 21, 22}, y.data());
    }

    @Test void concatAlongMiddleAxis() {
        FloatTensor a = iota(2, 1, 2), b = FloatTensor.of(new int[] {2, 2, 2}, 10, 11, 12, 13, 14, 15, 16, 17);
        FloatTensor y = OpHarness.run("concat", Attributes.of("axis", 1), a, b);
        assertArrayEquals(new int[] {2, 3, 2}, y.shape());
        assertArrayEquals(new float[] {0, 1, 10, 11, 12, 13, 2, 3, 14, 15, 16, 17}, y.data());
    }

    @Test void splitIntoSizes() {
        List<FloatTensor> parts = OpHarness.run(2, "split", Attributes.of("axis", -1, "sizes", new int[] {1, 3}), iota(2, 4));
        assertEquals(2, parts.size());
        assertArrayEquals(new float[] {0, 4}, parts.get(0).data());
        assertArrayEquals(new float[] {1, 2, 3, 5, 6, 7}, parts.get(1).data());
        assertArrayEquals(new int[] {2, 3}, parts.get(1).shape());
    }

    @Test void emptyTensorsPassThrough() {
        FloatTensor empty = FloatTensor.of(new int[] {2, 0, 3});
        assertArrayEquals(new int[] {2, 0, 3}, OpHarness.run("add", Attributes.EMPTY, empty, iota(3)).shape());
        assertArrayEquals(new int[] {0, 2, 3}, OpHarness.run("transpose", Attributes.of("perm", new int[] {1, 0, 2}), empty).shape());
        assertArrayEquals(new int[] {2, 1, 3}, OpHarness.run("concat", Attributes.of("axis", 1), empty, iota(2, 1, 3)).shape());
    }

    @Test void padReflectMirrorsWithoutEdge() {
        FloatTensor x = FloatTensor.of(new int[] {1, 1, 5}, 1, 2, 3, 4, 5);
        FloatTensor y = OpHarness.run("pad", Attributes.of("pads", new int[] {0, 0, 0, 0, 3, 2}, "mode", "reflect"), x);
        assertArrayEquals(new float[] {4, 3, 2, 1, 2, 3, 4, 5, 4, 3}, y.data());
    }

    @Test void padConstantOnTwoAxes() {
        FloatTensor x = FloatTensor.of(new int[] {2, 2}, 1, 2, 3, 4);
        FloatTensor y = OpHarness.run("pad", Attributes.of("pads", new int[] {1, 0, 0, 1}, "value", 7.0), x);
        assertArrayEquals(new int[] {3, 3}, y.shape());
        assertArrayEquals(new float[] {7, 7, 7, 1, 2, 7, 3, 4, 7}, y.data());
    }

    @Test void padReflectOnTwoAxes() {
        FloatTensor x = iota(3, 3);
        FloatTensor y = OpHarness.run("pad", Attributes.of("pads", new int[] {1, 1, 2, 0}, "mode", "reflect"), x);
        assertArrayEquals(new int[] {5, 5}, y.shape());
        assertArrayEquals(new float[] {
                5, 4, 3, 4, 5,
                2, 1, 0, 1, 2,
                5, 4, 3, 4, 5,
                8, 7, 6, 7, 8,
                5, 4, 3, 4, 5}, y.data());
    }
}

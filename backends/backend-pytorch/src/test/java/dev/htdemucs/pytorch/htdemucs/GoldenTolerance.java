package dev.htdemucs.pytorch.htdemucs;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bound every comparison with PyTorch's golden tensors uses: max |golden - ours| <= 1e-4 * max |golden|.
 * float32 re-association of sums (convolutions, norms, attention) explains up to ~1e-6 of peak; anything
 * near 1e-4 is a wrong op, not rounding.
 */
final class GoldenTolerance {
    static final double MAX_ABS_RELATIVE_TO_PEAK = 1e-4;

    private GoldenTolerance() {}

    /** Asserts the bound, prints the measured error, and returns it. */
    static Comparison assertMatches(String what, NpyArray golden, NpyArray actual) {
        assertArrayEquals(golden.shape(), actual.shape(), what + ": shape " + Arrays.toString(actual.shape())
                + ", golden " + Arrays.toString(golden.shape()));
        Comparison c = Comparison.of(golden, actual);
        System.out.println(what + ": " + c);
        double bound = MAX_ABS_RELATIVE_TO_PEAK * c.peak();
        assertTrue(c.maxAbs() <= bound, what + ": max abs error " + c.maxAbs() + " exceeds " + MAX_ABS_RELATIVE_TO_PEAK
                + " x peak " + c.peak() + " = " + bound + " (" + c + ")");
        return c;
    }
}

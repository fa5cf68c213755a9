package dev.htdemucs.ir;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class Float16Test {
    @Test
    void knownEncodings() {
        assertEquals((short) 0x3c00, Float16.fromFloat(1f));
        assertEquals((short) 0xc000, Float16.fromFloat(-2f));
        assertEquals((short) 0x7bff, Float16.fromFloat(65504f));
        assertEquals((short) 0x7c00, Float16.fromFloat(65520f)); // rounds up to infinity
        assertEquals((short) 0x0001, Float16.fromFloat(5.9604645e-8f)); // smallest subnormal
        assertEquals((short) 0x0000, Float16.fromFloat(2.9e-8f)); // below half of it
        assertEquals((short) 0x3555, Float16.fromFloat(1f / 3f));
        assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(Float.NaN))));
    }

    @Test
    void roundTripOfEveryHalfIsExact() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) continue;
            assertEquals((short) h, Float16.fromFloat(f), "half 0x" + Integer.toHexString(h));
        }
    }

    @Test
    void tiesRoundToEven() {
        // 1 + 2^-11 lies halfway between 1 and 1 + 2^-10: ties to even gives 1.
        assertEquals(1f, Float16.round(1f + 0x1p-11f));
        // 1 + 3*2^-11 lies halfway between 1+2^-10 (odd) and 1+2^-9 (even).
        assertEquals(1f + 0x1p-9f, Float16.round(1f + 3 * 0x1p-11f));
        // just above the halfway point rounds up
        assertEquals(1f + 0x1p-10f, Float16.round(Math.nextUp(1f + 0x1p-11f)));
    }

    /**
     * {@link Float16#round} agrees bit for bit with the round trip through the 16-bit encoding: for every
     * sign and float exponent, every value of the 10 mantissa bits fp16 keeps, with the 13 dropped bits
     * just below, at and above the halfway point and at both ends; and for 10 million random bit patterns.
     * (All 2^32 floats were compared once by hand: no difference.)
     */
    @Test
    void roundAgreesWithTheRoundTripThroughHalfBits() {
        int[] dropped = {0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff};
        for (int signExp = 0; signExp < 512; signExp++) {
            for (int kept = 0; kept < 1024; kept++) {
                for (int low : dropped) {
                    assertRoundsLikeHalfBits((signExp << 23) | (kept << 13) | low);
                }
            }
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(16);
        for (int i = 0; i < 10_000_000; i++) assertRoundsLikeHalfBits(random.nextInt());
    }

    private static void assertRoundsLikeHalfBits(int bits) {
        float f = Float.intBitsToFloat(bits);
        float expected = Float16.toFloat(Float16.fromFloat(f)), actual = Float16.round(f);
        if (Float.isNaN(expected) && Float.isNaN(actual)) return;
        if (Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
            fail("0x" + Integer.toHexString(bits) + " (" + f + "): round gives " + actual + ", the half encoding " + expected);
        }
    }
}

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
}

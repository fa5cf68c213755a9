package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.runtime.reference.kernel.FloatTensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code sin}, {@code cos}: known values, and the float32 rounding of the double result for large phases. */
class TrigonometricKernelTest {
    @Test void knownValues() {
        FloatTensor x = FloatTensor.of(new int[] {4}, 0f, (float) (Math.PI / 2), (float) -Math.PI, (float) (Math.PI / 6));
        float[] s = OpHarness.run("sin", Attributes.EMPTY, x).data();
        float[] c = OpHarness.run("cos", Attributes.EMPTY, x).data();
        assertEquals(0f, s[0], 0f);
        assertEquals(1f, s[1], 0f);
        assertEquals(0f, s[2], 1e-7f);
        assertEquals(0.5f, s[3], 1e-7f);
        assertEquals(1f, c[0], 0f);
        assertEquals(0f, c[1], 1e-7f);
        assertEquals(-1f, c[2], 0f);
        assertEquals((float) Math.sqrt(3) / 2, c[3], 1e-7f);
    }

    @Test void largePhasesAreRoundedOnceFromDouble() {
        // positional-embedding phases reach ~1.3e3 where a float32 step is 1.2e-4 rad
        float[] phases = {1343f, 1342.987f, 1e4f, -777.25f, 3.0e5f};
        FloatTensor x = FloatTensor.of(new int[] {phases.length}, phases);
        float[] s = OpHarness.run("sin", Attributes.EMPTY, x).data();
        float[] c = OpHarness.run("cos", Attributes.EMPTY, x).data();
        float[] sinExpected = new float[phases.length], cosExpected = new float[phases.length];
        for (int i = 0; i < phases.length; i++) {
            sinExpected[i] = (float) Math.sin(phases[i]);
            cosExpected[i] = (float) Math.cos(phases[i]);
        }
        assertArrayEquals(sinExpected, s);
        assertArrayEquals(cosExpected, c);
        // sin(1343) = -0.9995238862 (independent of the kernel's formula)
        assertEquals(-0.9995238862, s[0], 1e-7);
    }
}

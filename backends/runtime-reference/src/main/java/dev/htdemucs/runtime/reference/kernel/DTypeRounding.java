package dev.htdemucs.runtime.reference.kernel;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Float16;

/**
 * Rounds float values to what a narrower dtype can store, so that a value declared fp16 (or bf16, or an
 * integer) holds exactly what real storage in that dtype would hold.
 */
public final class DTypeRounding {
    private DTypeRounding() {}

    /** Whether storing float32 values as {@code dtype} can change them. */
    public static boolean changesValues(DType dtype) {
        return dtype != DType.FLOAT32 && dtype != DType.FLOAT64;
    }

    public static void roundInPlace(DType dtype, float[] v) {
        roundInPlace(dtype, v, 0, v.length);
    }

    /** Rounds {@code v[from, to)}. */
    public static void roundInPlace(DType dtype, float[] v, int from, int to) {
        switch (dtype) {
            case FLOAT32, FLOAT64 -> { }
            case FLOAT16 -> { for (int i = from; i < to; i++) v[i] = Float16.round(v[i]); }
            case BFLOAT16 -> { for (int i = from; i < to; i++) v[i] = roundBfloat16(v[i]); }
            case BOOL -> { for (int i = from; i < to; i++) v[i] = v[i] != 0f ? 1f : 0f; }
            case INT8 -> { for (int i = from; i < to; i++) v[i] = (byte) (long) v[i]; }
            case UINT8 -> { for (int i = from; i < to; i++) v[i] = ((long) v[i]) & 0xff; }
            case INT16 -> { for (int i = from; i < to; i++) v[i] = (short) (long) v[i]; }
            case INT32 -> { for (int i = from; i < to; i++) v[i] = (int) v[i]; }
            case INT64 -> { for (int i = from; i < to; i++) v[i] = (long) v[i]; }
        }
    }

    /** Round-to-nearest-even to bfloat16 (the upper 16 bits of a float32). */
    static float roundBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7f800000) == 0x7f800000) return f; // inf, nan
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xffff0000);
    }
}

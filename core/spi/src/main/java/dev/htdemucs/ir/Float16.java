package dev.htdemucs.ir;

/**
 * IEEE 754 binary16 conversions with round-to-nearest-even, as numpy/PyTorch/CoreML do.
 * Java 17 lacks Float.floatToFloat16, hence this class.
 */
public final class Float16 {
    private Float16() {}

    public static final float MAX_VALUE = 65504f;

    public static float toFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            // subnormal: value = mant * 2^-24
            float v = mant * 5.9604644775390625E-8f;
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) { // inf or nan
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >>> 13) & 0x3ff) : 0));
        }
        if (abs >= 0x477ff000) { // rounds to >= 65520 -> inf
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) { // below smallest normal half (2^-14): subnormal or zero
            if (abs < 0x33000000) return (short) sign; // < 2^-25 rounds to zero
            int exp = abs >>> 23;
            int mant = (abs & 0x7fffff) | 0x800000;
            // value = mant * 2^(exp-150) and the half subnormal unit is 2^-24, so q = mant * 2^(exp-126)
            int rshift = 126 - exp; // >= 1
            int q = mant >>> rshift;
            int rem = mant & ((1 << rshift) - 1);
            int half = 1 << (rshift - 1);
            if (rem > half || (rem == half && (q & 1) == 1)) q++;
            return (short) (sign | q);
        }
        int e = (abs >>> 23) - 112;
        int mant = abs & 0x7fffff;
        int q = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (q & 1) == 1)) q++;
        return (short) (sign | q);
    }

    /**
     * Rounds a float to the nearest representable fp16 value, returned as float. The fp16 emulation calls
     * this for every element of every fp16 activation, so values whose result is a finite normal fp16
     * round in place on the float bits (10 mantissa bits kept, ties to even), without going through the
     * 16-bit encoding; {@code Float16Test} checks both ways agree bit for bit.
     */
    public static float round(float f) {
        int bits = Float.floatToRawIntBits(f);
        int abs = bits & 0x7fffffff;
        if (abs >= 0x38800000 && abs < 0x477ff000) { // 2^-14 <= |f| and rounds below 65520
            return Float.intBitsToFloat((bits + 0xfff + ((bits >>> 13) & 1)) & 0xffffe000);
        }
        return toFloat(fromFloat(f));
    }

    public static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }
}

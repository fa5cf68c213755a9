package dev.htdemucs.precision;

import dev.htdemucs.ir.Float16;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Whether an op's constants survive conversion to fp16: every constant input and every float attribute
 * (pad value, epsilon) must satisfy |x| ≤ 65504 (the largest fp16). An op whose constants would overflow
 * stays in fp32 — the weight would otherwise turn into ±inf. Results per constant are cached, so each
 * weight is scanned once.
 */
public final class Fp16Range {
    private final Map<Value, Boolean> constantFits = new IdentityHashMap<>();

    public boolean constantsFit(Node node) {
        for (Value v : node.inputs()) {
            if (v != null && v.isConstant() && !constantFits.computeIfAbsent(v, c -> fits(c.constantValue()))) return false;
        }
        for (Object a : node.attributes().asMap().values()) {
            if (a instanceof Double d && !fits(d)) return false;
        }
        return true;
    }

    public static boolean fits(double v) {
        return Math.abs(v) <= Float16.MAX_VALUE;
    }

    public static boolean fits(Tensor t) {
        if (!t.dtype().isFloatingPoint()) return true;
        if (t.dtype() == dev.htdemucs.ir.DType.FLOAT16) return true; // already fp16
        if (t.dtype() == dev.htdemucs.ir.DType.FLOAT32) {
            ByteBuffer b = t.data();
            long n = t.numel();
            for (int i = 0; i < n; i++) if (!(Math.abs(b.getFloat(4 * i)) <= Float16.MAX_VALUE)) return false;
            return true;
        }
        for (float f : t.toFloatArray()) if (!fits(f)) return false;
        return true;
    }
}

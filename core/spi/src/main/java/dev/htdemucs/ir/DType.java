package dev.htdemucs.ir;

import java.util.Locale;

/** Element types of IR tensors. Names follow numpy/MIL spelling ("fp16" is also accepted when parsing). */
public enum DType {
    FLOAT32("float32", 4, true),
    FLOAT16("float16", 2, true),
    BFLOAT16("bfloat16", 2, true),
    FLOAT64("float64", 8, true),
    INT8("int8", 1, false),
    UINT8("uint8", 1, false),
    INT16("int16", 2, false),
    INT32("int32", 4, false),
    INT64("int64", 8, false),
    BOOL("bool", 1, false);

    private final String label;
    private final int byteSize;
    private final boolean floatingPoint;

    DType(String label, int byteSize, boolean floatingPoint) {
        this.label = label;
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    public String label() { return label; }
    public int byteSize() { return byteSize; }
    public boolean isFloatingPoint() { return floatingPoint; }

    public static DType parse(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        switch (n) {
            case "fp32": case "float": return FLOAT32;
            case "fp16": case "half": return FLOAT16;
            case "fp64": case "double": return FLOAT64;
            default:
                for (DType t : values()) if (t.label.equals(n)) return t;
                throw new IllegalArgumentException("unknown dtype '" + name + "'");
        }
    }

    @Override public String toString() { return label; }
}

package dev.htdemucs.spi;

import dev.htdemucs.ir.DType;

/** The compute precision chosen for one op. */
public enum Precision {
    FP32(DType.FLOAT32), FP16(DType.FLOAT16);

    private final DType dtype;

    Precision(DType dtype) { this.dtype = dtype; }

    public DType dtype() { return dtype; }
}

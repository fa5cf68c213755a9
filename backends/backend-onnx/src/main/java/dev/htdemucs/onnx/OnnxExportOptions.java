package dev.htdemucs.onnx;

import dev.htdemucs.spi.Options;

/**
 * What the ONNX emitter writes. Options: {@code opset} (17..21, default 17: what torch.onnx exports and
 * what Debian's onnx 1.12 checker knows) and {@code weights} ({@code fp32}, default, or {@code fp16}:
 * float weights stored as float16 initializers and cast to float32 in the graph, halving the file).
 */
record OnnxExportOptions(int opset, boolean fp16Weights) {
    static final int MIN_OPSET = 17;
    static final int MAX_OPSET = 21;
    static final int DEFAULT_OPSET = 17;

    OnnxExportOptions {
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new IllegalArgumentException("option opset=" + opset + " is not supported: choose " + MIN_OPSET + ".." + MAX_OPSET);
        }
    }

    static OnnxExportOptions defaults() { return new OnnxExportOptions(DEFAULT_OPSET, false); }

    static OnnxExportOptions from(Options options) {
        int opset = options.getInt("opset", DEFAULT_OPSET);
        String weights = options.get("weights", "fp32").trim().toLowerCase(java.util.Locale.ROOT);
        boolean fp16 = switch (weights) {
            case "fp32", "float32" -> false;
            case "fp16", "float16" -> true;
            default -> throw new IllegalArgumentException("option weights='" + weights + "' is not supported: choose fp32 or fp16");
        };
        return new OnnxExportOptions(opset, fp16);
    }

    /** The ONNX IR version that goes with the opset (onnx/docs/Versioning.md). */
    int irVersion() {
        return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
    }
}

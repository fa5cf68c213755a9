package dev.htdemucs.onnx;

/**
 * A model that cannot be converted between ONNX and the IR: a malformed or truncated file, an op or
 * attribute outside the supported subset, or a graph the ONNX format cannot hold. Unchecked inside the
 * converters; the plugin entry points rethrow it as a {@link dev.htdemucs.spi.PluginException} that
 * names the file.
 */
final class OnnxConversionException extends RuntimeException {
    OnnxConversionException(String message) { super(message); }
    OnnxConversionException(String message, Throwable cause) { super(message, cause); }
}

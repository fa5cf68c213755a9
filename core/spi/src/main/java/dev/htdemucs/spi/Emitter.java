package dev.htdemucs.spi;

import java.nio.file.Path;

/** Writes a graph to a file format (.mlpackage, .onnx). Writing is atomic: nothing half-written under {@code out}. */
public interface Emitter extends Plugin {
    /** The file name extension this emitter writes, e.g. ".mlpackage". */
    String extension();

    EmitResult emit(LoadedModel model, PrecisionPlan plan, Path out, Options options) throws PluginException;

    /** What was written. */
    record EmitResult(Path path, long bytes, java.util.Map<String, Integer> opCounts, String summary) {}
}

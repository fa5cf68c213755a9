package dev.htdemucs.spi;

import java.nio.file.Path;
import java.util.List;

/** Writes a graph to a file format (.mlpackage, .onnx). Writing is atomic: nothing half-written under {@code out}. */
public interface Emitter extends Plugin {
    /** The file name extension this emitter writes, e.g. ".mlpackage". */
    String extension();

    /**
     * The graph passes ({@link GraphPass} names) a graph must have been through before this emitter can write it,
     * e.g. {@code extract-inner} for a format that cannot hold the host-side STFT. A conversion pipeline runs
     * those missing from its own list first, in this order. Default: none.
     */
    default List<String> requiredPasses() { return List.of(); }

    /**
     * Writes {@code model}'s graph as it is: each op in the dtype the graph declares for it. A precision plan is
     * applied to the graph before (module {@code precision}: {@code PrecisionCasts.apply}).
     */
    EmitResult emit(LoadedModel model, Path out, Options options) throws PluginException;

    /** What was written. */
    record EmitResult(Path path, long bytes, java.util.Map<String, Integer> opCounts, String summary) {}
}

package dev.htdemucs.architecture.samples;

import dev.htdemucs.runtime.reference.ReferenceRuntime;

/** Uses the reference runtime; {@code ModuleLayersTest} places it in emitter-coreml, where that is forbidden. */
public final class ForbiddenImportSample {
    public String runtimeName() { return new ReferenceRuntime().name(); }
}

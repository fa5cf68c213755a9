package dev.htdemucs.architecture;

import java.util.EnumSet;
import java.util.Set;

/**
 * The top-level folders of the project, each a layer: a module may use the layers its own layer names,
 * and its own module. Only {@code core/spi} is stricter: it uses nothing of the project (see
 * {@link ProjectModule#mayUse}).
 */
enum Layer {
    /** The IR and plugin contracts, and libraries that know no model format. */
    CORE("core"),
    /** One model format or runtime each; they know core, never one another. */
    BACKENDS("backends"),
    /** What users call: separation, validation, reports, the command line. */
    APP("app"),
    /** Fuzzing and other development tools. */
    TOOLS("tools"),
    /** Test data and test helpers, used by tests only. */
    TESTING("testing"),
    /** Example plugins, built the way a third party builds one: an op brings its kernel and MIL lowering. */
    EXAMPLES("examples");

    private final String folder;

    Layer(String folder) { this.folder = folder; }

    String folder() { return folder; }

    static Layer ofFolder(String folder) {
        for (Layer l : values()) if (l.folder.equals(folder)) return l;
        throw new IllegalArgumentException("module folder '" + folder + "' is in no layer; layers: core, backends, app, tools, testing, examples");
    }

    /** The layers that main code of this layer may use (besides its own module). */
    Set<Layer> uses() {
        return switch (this) {
            case CORE, BACKENDS -> EnumSet.of(CORE);
            case EXAMPLES -> EnumSet.of(CORE, BACKENDS);
            case APP -> EnumSet.of(CORE, BACKENDS, APP);
            case TOOLS, TESTING -> EnumSet.of(CORE, BACKENDS, APP, TESTING);
        };
    }
}

package dev.htdemucs.cli;

/**
 * {@code --target} of convert and validate, spelt as users type it: picocli lists these names in its error for
 * any other value. The coreml emitter gets the name as its option {@code target} (it is a plugin: the CLI
 * knows its options, not its classes).
 */
enum DeploymentTarget {
    ios17, ios18;

    /** The coreml emitter's option value. */
    String option() { return name(); }
}

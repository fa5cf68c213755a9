package dev.htdemucs.cli;

import dev.htdemucs.coreml.CoreMLTarget;

/**
 * {@code --target} of convert and validate, spelt as users type it: picocli lists these names in its error for
 * any other value. The coreml emitter gets it as its option {@code target}.
 */
enum DeploymentTarget {
    ios17(CoreMLTarget.IOS17), ios18(CoreMLTarget.IOS18);

    private final CoreMLTarget target;

    DeploymentTarget(CoreMLTarget target) { this.target = target; }

    /** The coreml emitter's option value. */
    String option() { return target.option(); }
}

package dev.htdemucs.coreml;

import java.util.Locale;

/** Deployment targets: the MIL opset of the main function and the model specification version it needs. */
public enum CoreMLTarget {
    IOS17("ios17", "CoreML7", 8, "iOS 17 / macOS 14"),
    IOS18("ios18", "CoreML8", 9, "iOS 18 / macOS 15");

    public static final CoreMLTarget DEFAULT = IOS17;

    private final String option;
    private final String opset;
    private final int specificationVersion;
    private final String platforms;

    CoreMLTarget(String option, String opset, int specificationVersion, String platforms) {
        this.option = option;
        this.opset = opset;
        this.specificationVersion = specificationVersion;
        this.platforms = platforms;
    }

    public String option() { return option; }
    public String opset() { return opset; }
    public int specificationVersion() { return specificationVersion; }
    public String platforms() { return platforms; }

    /** Parses the emitter option {@code target} (ios17, ios18; also macos14, macos15). */
    public static CoreMLTarget parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "ios17", "macos14" -> IOS17;
            case "ios18", "macos15" -> IOS18;
            default -> throw new IllegalArgumentException("target '" + value + "' is not supported; use ios17 (Core ML 7, spec 8,"
                    + " default) or ios18 (Core ML 8, spec 9)");
        };
    }
}

package dev.htdemucs.coreml;

import java.nio.file.Path;
import java.util.UUID;

/**
 * Where things live inside an .mlpackage directory (Apple's ModelPackage format 1.0.0):
 * {@code Manifest.json}, {@code Data/com.apple.CoreML/model.mlmodel} (the root model) and
 * {@code Data/com.apple.CoreML/weights/weight.bin}.
 */
public final class MLPackageLayout {
    private MLPackageLayout() {}

    public static final String MANIFEST = "Manifest.json";
    public static final String FILE_FORMAT_VERSION = "1.0.0";
    public static final String AUTHOR = "com.apple.CoreML";
    public static final String MODEL_PATH = "com.apple.CoreML/model.mlmodel";
    public static final String WEIGHTS_PATH = "com.apple.CoreML/weights";
    public static final String MODEL_DESCRIPTION = "CoreML Model Specification";
    public static final String WEIGHTS_DESCRIPTION = "CoreML Model Weights";

    /**
     * Item identifiers. Apple's tools use random UUIDs; ours are fixed name-based UUIDs so that the same
     * model always gives the same bytes.
     */
    public static final String MODEL_ID = UUID.nameUUIDFromBytes("htdemucs-coreml:model.mlmodel".getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toString().toUpperCase(java.util.Locale.ROOT);
    public static final String WEIGHTS_ID = UUID.nameUUIDFromBytes("htdemucs-coreml:weights".getBytes(java.nio.charset.StandardCharsets.UTF_8))
            .toString().toUpperCase(java.util.Locale.ROOT);

    public static Path data(Path pkg) { return pkg.resolve("Data"); }
    public static Path manifest(Path pkg) { return pkg.resolve(MANIFEST); }
    public static Path model(Path pkg) { return data(pkg).resolve(MODEL_PATH); }
    public static Path weightsDir(Path pkg) { return data(pkg).resolve(WEIGHTS_PATH); }
    public static Path weightFile(Path pkg) { return weightsDir(pkg).resolve("weight.bin"); }
}

package dev.htdemucs.coreml;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The package's {@code Manifest.json}: format version, one entry per item (path under Data/, name, author,
 * description) and the root model's identifier — laid out like coremltools' (4-space indent).
 */
public final class Manifest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Manifest() {}

    static void write(Path pkg) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("fileFormatVersion", MLPackageLayout.FILE_FORMAT_VERSION);
        ObjectNode items = root.putObject("itemInfoEntries");
        item(items, MLPackageLayout.MODEL_ID, MLPackageLayout.MODEL_PATH, "model.mlmodel", MLPackageLayout.MODEL_DESCRIPTION);
        item(items, MLPackageLayout.WEIGHTS_ID, MLPackageLayout.WEIGHTS_PATH, "weights", MLPackageLayout.WEIGHTS_DESCRIPTION);
        root.put("rootModelIdentifier", MLPackageLayout.MODEL_ID);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("    ", "\n"))
                .withArrayIndenter(new DefaultIndenter("    ", "\n"));
        Files.writeString(MLPackageLayout.manifest(pkg), JSON.writer(printer).writeValueAsString(root) + "\n");
    }

    private static void item(ObjectNode items, String id, String path, String name, String description) {
        ObjectNode e = items.putObject(id);
        e.put("path", path);
        e.put("name", name);
        e.put("author", MLPackageLayout.AUTHOR);
        e.put("description", description);
    }

    /** The root model's path (under Data/) named by a package's manifest. */
    public static Path rootModel(Path pkg) throws IOException {
        Path file = MLPackageLayout.manifest(pkg);
        if (!Files.isRegularFile(file)) throw new IOException(pkg + " is not an .mlpackage: " + MLPackageLayout.MANIFEST + " is missing");
        JsonNode root = JSON.readTree(file.toFile());
        String id = root.path("rootModelIdentifier").asText(null);
        JsonNode entry = id == null ? null : root.path("itemInfoEntries").get(id);
        if (entry == null || !entry.hasNonNull("path")) {
            throw new IOException(file + ": rootModelIdentifier " + id + " names no entry of itemInfoEntries");
        }
        return MLPackageLayout.data(pkg).resolve(entry.get("path").asText());
    }
}

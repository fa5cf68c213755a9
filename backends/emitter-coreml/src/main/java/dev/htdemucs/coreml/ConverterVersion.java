package dev.htdemucs.coreml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** This converter's name and version (the Maven project version, filtered into a resource at build time). */
public final class ConverterVersion {
    public static final String NAME = "htdemucs-coreml";
    private static final String VERSION = load();

    private ConverterVersion() {}

    public static String version() { return VERSION; }

    private static String load() {
        try (InputStream in = ConverterVersion.class.getResourceAsStream("converter.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read converter.properties", e);
        }
    }
}

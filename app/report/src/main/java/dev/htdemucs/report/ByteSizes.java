package dev.htdemucs.report;

import java.util.Locale;

/** File sizes as people read them: {@code 812 B}, {@code 3.4 KiB}, {@code 55.62 MB (55618480 bytes)}. */
public final class ByteSizes {
    private ByteSizes() {}

    public static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        return String.format(Locale.ROOT, "%.2f MB (%d bytes)", bytes / 1e6, bytes);
    }
}

package dev.htdemucs.coreml.mil;

import java.util.HashSet;
import java.util.Set;

/**
 * MIL value names: identifiers matching {@code [A-Za-z_][A-Za-z0-9_@]*}, unique within the program.
 * IR names ("encoder.0.conv", "add:1") are sanitised by replacing other characters with '_'.
 */
public final class MilNames {
    private final Set<String> taken = new HashSet<>();

    public static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length() + 1);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '@' || (c >= '0' && c <= '9');
            b.append(ok ? c : '_');
        }
        if (b.length() == 0 || (b.charAt(0) >= '0' && b.charAt(0) <= '9') || b.charAt(0) == '@') b.insert(0, '_');
        return b.toString();
    }

    public static boolean isValid(String name) {
        return !name.isEmpty() && sanitize(name).equals(name);
    }

    /** Claims exactly {@code name}; false when already taken. */
    public boolean reserve(String name) {
        return taken.add(name);
    }

    /** A fresh name: the sanitised base, or base_1, base_2, ... */
    public String fresh(String base) {
        String s = sanitize(base);
        if (taken.add(s)) return s;
        for (int i = 1; ; i++) {
            String candidate = s + "_" + i;
            if (taken.add(candidate)) return candidate;
        }
    }
}

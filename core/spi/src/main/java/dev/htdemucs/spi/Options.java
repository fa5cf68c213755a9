package dev.htdemucs.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Settings passed to a plugin as text (they come from the command line or a config file).
 * Typed getters fail with a message naming the key.
 */
public final class Options {
    public static final Options NONE = new Options(Map.of());

    private final Map<String, String> values;

    private Options(Map<String, String> values) { this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values)); }

    public static Options of(Map<String, String> values) { return new Options(values); }

    public static Options of(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return new Options(m);
    }

    public Options with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(values);
        m.put(key, value);
        return new Options(m);
    }

    public Map<String, String> asMap() { return values; }
    public boolean has(String key) { return values.containsKey(key); }
    public String get(String key, String dflt) { return values.getOrDefault(key, dflt); }

    public int getInt(String key, int dflt) {
        String v = values.get(key);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be an integer, got '" + v + "'");
        }
    }

    public double getDouble(String key, double dflt) {
        String v = values.get(key);
        if (v == null) return dflt;
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + key + " must be a number, got '" + v + "'");
        }
    }

    public boolean getBoolean(String key, boolean dflt) {
        String v = values.get(key);
        return v == null ? dflt : Boolean.parseBoolean(v.trim());
    }

    @Override public String toString() { return values.toString(); }
}

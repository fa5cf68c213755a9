package dev.htdemucs.ir;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Typed, immutable node attributes. Allowed value types: Integer (int), int[] (ints), Double (float),
 * String, Boolean, {@link DType}, {@link Tensor}. Getters fail with a message naming the attribute.
 */
public final class Attributes {
    public static final Attributes EMPTY = new Attributes(Map.of());

    private final Map<String, Object> values;

    private Attributes(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static Builder builder() { return new Builder(); }

    /** Shorthand: {@code Attributes.of("axis", 1, "keep_dims", true)}. */
    public static Attributes of(Object... keyValues) {
        if (keyValues.length % 2 != 0) throw new IllegalArgumentException("odd number of key/values");
        Builder b = builder();
        for (int i = 0; i < keyValues.length; i += 2) b.put((String) keyValues[i], keyValues[i + 1]);
        return b.build();
    }

    public Map<String, Object> asMap() { return values; }
    public boolean has(String key) { return values.containsKey(key); }

    private Object require(String key) {
        Object v = values.get(key);
        if (v == null) throw new AttributeException("missing attribute '" + key + "'");
        return v;
    }

    private <T> T typed(String key, Class<T> type) {
        Object v = require(key);
        if (!type.isInstance(v)) {
            throw new AttributeException("attribute '" + key + "' should be " + type.getSimpleName()
                    + " but is " + v.getClass().getSimpleName());
        }
        return type.cast(v);
    }

    public int integer(String key) { return typed(key, Integer.class); }
    public int integer(String key, int dflt) { return has(key) ? integer(key) : dflt; }
    public int[] ints(String key) { return typed(key, int[].class).clone(); }
    public int[] ints(String key, int[] dflt) { return has(key) ? ints(key) : dflt; }
    public double real(String key) { return typed(key, Double.class); }
    public double real(String key, double dflt) { return has(key) ? real(key) : dflt; }
    public String string(String key) { return typed(key, String.class); }
    public String string(String key, String dflt) { return has(key) ? string(key) : dflt; }
    public boolean bool(String key) { return typed(key, Boolean.class); }
    public boolean bool(String key, boolean dflt) { return has(key) ? bool(key) : dflt; }
    public DType dtype(String key) { return typed(key, DType.class); }
    public Tensor tensor(String key) { return typed(key, Tensor.class); }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.values.putAll(values);
        return b;
    }

    @Override public String toString() {
        StringBuilder b = new StringBuilder("{");
        values.forEach((k, v) -> {
            if (b.length() > 1) b.append(", ");
            b.append(k).append('=').append(v instanceof int[] a ? Arrays.toString(a) : v);
        });
        return b.append('}').toString();
    }

    @Override public boolean equals(Object o) {
        if (!(o instanceof Attributes a) || !a.values.keySet().equals(values.keySet())) return false;
        for (var e : values.entrySet()) {
            Object x = e.getValue(), y = a.values.get(e.getKey());
            if (x instanceof int[] xi && y instanceof int[] yi) { if (!Arrays.equals(xi, yi)) return false; }
            else if (!x.equals(y)) return false;
        }
        return true;
    }

    @Override public int hashCode() { return values.keySet().hashCode(); }

    public static final class Builder {
        private final Map<String, Object> values = new LinkedHashMap<>();

        public Builder put(String key, Object value) {
            Object v = value;
            if (v instanceof Long l) v = Math.toIntExact(l);
            if (v instanceof Float f) v = f.doubleValue();
            if (v instanceof int[] a) v = a.clone();
            if (!(v instanceof Integer || v instanceof int[] || v instanceof Double || v instanceof String
                    || v instanceof Boolean || v instanceof DType || v instanceof Tensor)) {
                throw new AttributeException("attribute '" + key + "' has unsupported type "
                        + (v == null ? "null" : v.getClass().getName()));
            }
            values.put(key, v);
            return this;
        }

        public Builder remove(String key) { values.remove(key); return this; }

        public Attributes build() { return new Attributes(new LinkedHashMap<>(values)); }
    }

    /** A missing or mistyped attribute. */
    public static final class AttributeException extends IllegalArgumentException {
        public AttributeException(String message) { super(message); }
    }
}

package dev.htdemucs.ir.ops;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A set of IR ops by name. Every {@link dev.htdemucs.ir.Graph} carries the registry it was built with
 * ({@link dev.htdemucs.ir.Graph#ops()}), so passes copy plugin ops along and validators check a graph
 * against its own ops.
 *
 * <p>{@link #standard()} holds the ops below. A plugin jar adds ops by registering {@link OpDef} classes in
 * {@code META-INF/services/dev.htdemucs.ir.ops.OpDef}: {@code Plugins.ops()} is the standard set plus
 * those found through the plugin class loader (what readers of model files build with), and a pass that
 * inserts its own op builds with {@code graph.ops().with(op)}.
 */
public final class OpRegistry {
    private static final OpRegistry STANDARD = of(List.of(
            new Const(), new Add(), new Sub(), new Mul(), new Div(), new Pow(),
            new Sqrt(), new Sigmoid(), new Gelu(), new Relu(), new Cast(),
            new Sin(), new Cos(),
            new ReduceMean(), new ReduceSum(), new Conv(), new ConvTranspose(), new Linear(), new MatMul(),
            new Softmax(), new LayerNorm(), new GroupNorm(), new Glu(),
            new Transpose(), new Reshape(), new Slice(), new Concat(), new Split(), new Pad(),
            new Stft(), new Istft()));

    private final Map<String, OpDef> ops;

    private OpRegistry(Map<String, OpDef> ops) { this.ops = Collections.unmodifiableMap(ops); }

    /** The ops every part of the converter knows (no plugin's). */
    public static OpRegistry standard() { return STANDARD; }

    /** A registry of exactly these ops; two with one name are an error naming both classes. */
    public static OpRegistry of(Collection<? extends OpDef> defs) {
        Map<String, OpDef> map = new TreeMap<>();
        for (OpDef d : defs) register(map, d);
        return new OpRegistry(map);
    }

    /**
     * These ops plus {@code def}: this registry itself when it already has {@code def}'s class under that name;
     * an error when another class has the name.
     */
    public OpRegistry with(OpDef def) {
        OpDef old = ops.get(def.name());
        if (old != null && old.getClass() == def.getClass()) return this;
        Map<String, OpDef> map = new TreeMap<>(ops);
        register(map, def);
        return new OpRegistry(map);
    }

    private static void register(Map<String, OpDef> map, OpDef def) {
        OpDef old = map.putIfAbsent(def.name(), def);
        if (old != null && old.getClass() != def.getClass()) {
            throw new IllegalArgumentException("op '" + def.name() + "' is defined twice: "
                    + old.getClass().getName() + " and " + def.getClass().getName());
        }
    }

    public Optional<OpDef> find(String name) { return Optional.ofNullable(ops.get(name)); }

    public OpDef get(String name) {
        OpDef d = ops.get(name);
        if (d == null) throw new IllegalArgumentException("unknown op '" + name + "'; known ops: " + ops.keySet());
        return d;
    }

    public Map<String, OpDef> all() { return ops; }
}

package dev.htdemucs.ir.ops;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * All known ops by name: the standard set below plus any {@link OpDef} a plugin provides through
 * {@code META-INF/services/dev.htdemucs.ir.ops.OpDef}.
 */
public final class OpRegistry {
    private static final OpRegistry STANDARD = create(OpRegistry.class.getClassLoader());

    private final Map<String, OpDef> ops;

    private OpRegistry(Map<String, OpDef> ops) { this.ops = Collections.unmodifiableMap(ops); }

    public static OpRegistry standard() { return STANDARD; }

    public static OpRegistry create(ClassLoader loader) {
        Map<String, OpDef> map = new TreeMap<>();
        for (OpDef d : standardOps()) register(map, d);
        for (OpDef d : ServiceLoader.load(OpDef.class, loader)) register(map, d);
        return new OpRegistry(map);
    }

    private static void register(Map<String, OpDef> map, OpDef def) {
        OpDef old = map.putIfAbsent(def.name(), def);
        if (old != null && old.getClass() != def.getClass()) {
            throw new IllegalStateException("op '" + def.name() + "' is defined twice: "
                    + old.getClass().getName() + " and " + def.getClass().getName());
        }
    }

    static List<OpDef> standardOps() {
        return List.of(
                new Const(), new Add(), new Sub(), new Mul(), new Div(), new Pow(),
                new Sqrt(), new Sigmoid(), new Gelu(), new Relu(), new Cast(),
                new Sin(), new Cos(),
                new ReduceMean(), new ReduceSum(), new Conv(), new ConvTranspose(), new Linear(), new MatMul(),
                new Softmax(), new LayerNorm(), new GroupNorm(), new Glu(),
                new Transpose(), new Reshape(), new Slice(), new Concat(), new Split(), new Pad(),
                new Stft(), new Istft());
    }

    public Optional<OpDef> find(String name) { return Optional.ofNullable(ops.get(name)); }

    public OpDef get(String name) {
        OpDef d = ops.get(name);
        if (d == null) throw new IllegalArgumentException("unknown op '" + name + "'; known ops: " + ops.keySet());
        return d;
    }

    public Map<String, OpDef> all() { return ops; }
}

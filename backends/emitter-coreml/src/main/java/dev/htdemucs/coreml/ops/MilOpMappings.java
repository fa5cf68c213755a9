package dev.htdemucs.coreml.ops;

import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every IR op the emitter lowers and every MIL op the reader understands, each owned by one mapping class:
 * the standard set below, plus, for plugin ops, any {@link MilOpMapping} a plugin jar registers in
 * {@code META-INF/services/dev.htdemucs.coreml.ops.MilOpMapping} ({@link #of(Plugins)}: found through the
 * plugin class loader).
 */
public final class MilOpMappings {
    private static final List<MilOpMapping> STANDARD_MAPPINGS = List.of(
            new ElementwiseBinaryMil(), new ElementwiseUnaryMil(), new GeluMil(), new ConvMil(), new ConvTransposeMil(),
            new LinearMil(), new MatMulMil(), new ReductionMil(), new LayerNormMil(), new GroupNormLowering(),
            new GluLowering(), new SoftmaxMil(), new TransposeMil(), new ReshapeMil(), new SliceMil(), new ConcatMil(),
            new SplitMil(), new PadMil(), new CastMil());
    private static final MilOpMappings STANDARD = new MilOpMappings(
            byOp(STANDARD_MAPPINGS, MilOpMapping::irOps), byOp(STANDARD_MAPPINGS, MilOpMapping::milOps));

    /** IR ops that run on the host (the STFT boundary); a graph holding them must be cut first. */

    private final Map<String, MilOpMapping> byIrOp;
    private final Map<String, MilOpMapping> byMilOp;

    private MilOpMappings(Map<String, MilOpMapping> byIrOp, Map<String, MilOpMapping> byMilOp) {
        this.byIrOp = Collections.unmodifiableMap(byIrOp);
        this.byMilOp = Collections.unmodifiableMap(byMilOp);
    }

    /** The mappings of the standard ops. */
    public static MilOpMappings standard() { return STANDARD; }

    /**
     * The standard mappings and every {@link MilOpMapping} registered on the class path or in the plugin jars of
     * {@code plugins}; two mappings of one IR op, or of one MIL op, are an error naming both classes and their jars.
     */
    public static MilOpMappings of(Plugins plugins) throws PluginException {
        List<MilOpMapping> all = new ArrayList<>(STANDARD_MAPPINGS);
        all.addAll(plugins.extensions(MilOpMapping.class));
        return new MilOpMappings(Plugins.byName("MIL mappings lower IR op", all, MilOpMapping::irOps),
                Plugins.byName("MIL mappings read MIL op", all, MilOpMapping::milOps));
    }

    private static Map<String, MilOpMapping> byOp(List<MilOpMapping> mappings, java.util.function.Function<MilOpMapping, List<String>> ops) {
        Map<String, MilOpMapping> map = new TreeMap<>();
        for (MilOpMapping m : mappings) {
            for (String op : ops.apply(m)) if (map.put(op, m) != null) throw new IllegalStateException("op " + op + " mapped twice");
        }
        return map;
    }

    public Optional<MilOpMapping> forIrOp(String op) { return Optional.ofNullable(byIrOp.get(op)); }

    public Optional<MilOpMapping> forMilOp(String op) { return Optional.ofNullable(byMilOp.get(op)); }

    public Map<String, MilOpMapping> irOps() { return byIrOp; }

    public Map<String, MilOpMapping> milOps() { return byMilOp; }
}

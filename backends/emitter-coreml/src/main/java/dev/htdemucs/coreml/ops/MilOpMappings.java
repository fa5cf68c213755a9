package dev.htdemucs.coreml.ops;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Every IR op the emitter lowers and every MIL op the reader understands, each owned by one mapping class. */
public final class MilOpMappings {
    private static final MilOpMappings STANDARD = new MilOpMappings(List.of(
            new ElementwiseBinaryMil(), new ElementwiseUnaryMil(), new GeluMil(), new ConvMil(), new ConvTransposeMil(),
            new LinearMil(), new MatMulMil(), new ReductionMil(), new LayerNormMil(), new GroupNormLowering(),
            new GluLowering(), new SoftmaxMil(), new TransposeMil(), new ReshapeMil(), new SliceMil(), new ConcatMil(),
            new SplitMil(), new PadMil(), new CastMil()));

    /** IR ops that run on the host (the STFT boundary); a graph holding them must be cut first. */
    public static final List<String> HOST_SIDE_OPS = List.of("stft", "istft");

    private final Map<String, MilOpMapping> byIrOp = new TreeMap<>();
    private final Map<String, MilOpMapping> byMilOp = new TreeMap<>();

    private MilOpMappings(List<MilOpMapping> mappings) {
        for (MilOpMapping m : mappings) {
            for (String op : m.irOps()) if (byIrOp.put(op, m) != null) throw new IllegalStateException("IR op " + op + " mapped twice");
            for (String op : m.milOps()) if (byMilOp.put(op, m) != null) throw new IllegalStateException("MIL op " + op + " mapped twice");
        }
    }

    public static MilOpMappings standard() { return STANDARD; }

    public Optional<MilOpMapping> forIrOp(String op) { return Optional.ofNullable(byIrOp.get(op)); }

    public Optional<MilOpMapping> forMilOp(String op) { return Optional.ofNullable(byMilOp.get(op)); }

    public Map<String, MilOpMapping> irOps() { return Collections.unmodifiableMap(byIrOp); }

    public Map<String, MilOpMapping> milOps() { return Collections.unmodifiableMap(byMilOp); }
}

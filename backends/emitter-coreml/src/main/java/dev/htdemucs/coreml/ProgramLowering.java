package dev.htdemucs.coreml;

import dev.htdemucs.coreml.blob.WeightBlobWriter;
import dev.htdemucs.coreml.mil.MilBlockBuilder;
import dev.htdemucs.coreml.mil.MilNames;
import dev.htdemucs.coreml.mil.MilOpBuilder;
import dev.htdemucs.coreml.mil.MilTypes;
import dev.htdemucs.coreml.mil.MilValues;
import dev.htdemucs.coreml.ops.LoweringContext;
import dev.htdemucs.coreml.ops.MilOpMapping;
import dev.htdemucs.coreml.ops.MilOpMappings;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.ops.OpDef;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lowers an IR graph into the operations of one MIL block, op by op through {@link MilOpMappings}.
 *
 * <p>Precision: the graph says it. An op computes in the dtype its results declare ({@code PrecisionCasts} of module
 * {@code precision} turns a precision plan into fp16 ops, casts and fp16 constants). Every IR value is held by
 * one or more MIL values ({@link Forms}), at most one per dtype. IR casts and constants are written lazily, when
 * an op first reads them: a cast is written just before its first reader, a constant is written directly in the
 * dtype asked for (no runtime cast on weights). An IR cast that loses nothing (to the dtype the value was
 * computed in, or fp16 → fp32) makes its result share the forms of its input, so casts are never repeated and a
 * cast pair that would undo itself is never written. A cast whose only reader is a model output is named after
 * that output.
 */
final class ProgramLowering implements LoweringContext {
    /** The lowered block: function inputs, operations, output names (= model output names). */
    record Lowered(List<Mil.NamedValueType> inputs, List<Mil.Operation> operations, List<String> outputs,
                   Map<String, String> inputNames, Map<String, String> outputNames, Map<String, Integer> opCounts) {}

    private final Graph graph;
    private final MilOpMappings mappings;
    /** IR casts not written yet: written when first read ({@link #materialize}). */
    private final Map<Value, Node> pendingCasts = new HashMap<>();
    private final MilBlockBuilder block;
    private final MilNames names;
    private final Map<Value, Forms> held = new HashMap<>();
    /** Values that are model outputs → the output's MIL name, used for the op computing them. */
    private final Map<Value, String> preferredNames = new HashMap<>();
    private final Set<String> claimedOutputNames = new HashSet<>();
    private final Set<String> reservedOutputNames = new HashSet<>();

    ProgramLowering(Graph graph, WeightBlobWriter blobs, MilOpMappings mappings) {
        this.graph = graph;
        this.mappings = mappings;
        this.block = new MilBlockBuilder(blobs);
        this.names = block.names();
    }

    Lowered lower() {
        List<Mil.NamedValueType> inputs = new ArrayList<>();
        Map<String, String> inputNames = new LinkedHashMap<>();
        for (Value in : graph.inputs()) {
            String name = MilNames.sanitize(in.name());
            if (!names.reserve(name)) throw new IrException("graph input '" + in.name() + "' clashes with another input as MIL name " + name);
            inputs.add(Mil.NamedValueType.newBuilder().setName(name).setType(MilTypes.valueType(in.type())).build());
            inputNames.put(in.name(), name);
            define(in, name, in.type().dtype());
        }
        Map<String, String> outputNames = new LinkedHashMap<>();
        Map<Value, List<Node>> readers = graph.consumers();
        graph.outputs().forEach((outName, v) -> {
            String name = MilNames.sanitize(outName);
            if (!names.reserve(name)) throw new IrException("graph output '" + outName + "' clashes with an input or output as MIL name " + name);
            reservedOutputNames.add(name);
            outputNames.put(outName, name);
            if (v.isGraphInput() || v.isConstant() || preferredNames.containsKey(v)) return;
            Node producer = v.producer();
            boolean named = producer.op().equals("cast") ? readers.getOrDefault(v, List.of()).isEmpty() : floatResults(producer);
            if (named) preferredNames.put(v, name);
        });

        for (Node node : graph.nodes()) {
            if (node.op().equals("const")) continue;
            if (node.op().equals("cast")) {
                pendingCasts.put(node.output(), node);
                continue;
            }
            if (graph.ops().find(node.op()).map(OpDef::runsOnHost).orElse(false)) {
                throw new IrException("node " + node.name() + " (" + node.op() + ") is a host-side op that Core ML does not run:"
                        + " run the extract-inner pass first to cut the graph between STFT and iSTFT");
            }
            lowerNode(node);
        }

        List<String> outputs = new ArrayList<>();
        graph.outputs().forEach((outName, v) -> {
            String name = outputNames.get(outName);
            String held = materialize(v, v.type().dtype(), name);
            if (!held.equals(name)) {
                claimedOutputNames.add(name);
                block.op("identity").in("x", held).out(name, v.type()).emit();
            }
            outputs.add(name);
        });
        return new Lowered(inputs, block.operations(), outputs, inputNames, outputNames, block.histogram());
    }

    private void lowerNode(Node node) {
        MilOpMapping mapping = mappings.forIrOp(node.op()).orElseThrow(() -> new IrException(
                "node " + node.name() + ": op '" + node.op() + "' has no MIL lowering; lowered ops: " + mappings.irOps().keySet()));
        try {
            mapping.lower(node, this);
        } catch (IrException | java.io.UncheckedIOException e) {
            throw e; // an I/O failure writing weight.bin (disk full) is the package's, not the node's
        } catch (RuntimeException e) {
            throw new IrException("node " + node.name() + " (" + node.op() + "): cannot lower to MIL: " + e.getMessage(), e);
        }
    }

    /** Ops whose results are all floating point: they compute in the dtype they declare. */
    private static boolean floatResults(Node node) {
        for (Value v : node.outputs()) if (!v.type().dtype().isFloatingPoint()) return false;
        return true;
    }

    // ---- LoweringContext ----

    /** The dtype the node's results declare: fp16 ops declare fp16 results. */
    @Override public DType computeType(Node node) {
        return node.outputs().get(0).type().dtype();
    }

    @Override public String input(Node node, int i, DType dtype) {
        Value v = node.input(i);
        return v == null ? null : materialize(v, dtype, null);
    }

    @Override public String constant(String baseName, Tensor value, DType dtype) {
        String name = names.fresh(baseName);
        block.constant(name, value, dtype);
        return name;
    }

    @Override public String ints(String opName, String param, int... values) {
        return parameter(opName, param, MilValues.ints(values));
    }

    @Override public String intScalar(String opName, String param, int value) {
        return parameter(opName, param, MilValues.intScalar(value));
    }

    @Override public String bool(String opName, String param, boolean value) {
        return parameter(opName, param, MilValues.boolScalar(value));
    }

    @Override public String string(String opName, String param, String value) {
        return parameter(opName, param, MilValues.string(value));
    }

    @Override public String floatScalar(String opName, String param, double value, DType dtype) {
        return parameter(opName, param, MilValues.floatScalar(value, dtype));
    }

    private String parameter(String opName, String param, Mil.Value value) {
        String name = names.fresh(opName + "_" + param);
        block.constantValue(name, value);
        return name;
    }

    @Override public String outputName(Node node, int i) {
        Value v = node.outputs().get(i);
        String preferred = preferredNames.get(v);
        if (preferred != null && claimedOutputNames.add(preferred)) return preferred;
        return names.fresh(v.name());
    }

    @Override public String tempName(String base) {
        return names.fresh(base);
    }

    @Override public MilOpBuilder op(String type) {
        return block.op(type);
    }

    @Override public void define(Value v, String milName, DType dtype) {
        Forms f = held.get(v);
        if (f == null) {
            f = new Forms(dtype, null);
            held.put(v, f);
        }
        String old = f.byDType.putIfAbsent(dtype, milName);
        if (old != null && !old.equals(milName)) {
            throw new IllegalStateException("value " + v.name() + " is held as " + dtype + " by both " + old + " and " + milName);
        }
    }

    @Override public void alias(Value output, Value input, DType dtype) {
        String name = materialize(input, dtype, preferredNames.get(output));
        Forms f = held.get(input);
        if (f.losslessTo(dtype)) {
            held.put(output, f);
        } else {
            define(output, name, dtype);
        }
    }

    /**
     * The MIL values holding one IR value: the dtype it was computed in ({@code canonical}) and conversions
     * of it. Values that are equal — an IR cast that loses nothing and its input — share one Forms. The forms
     * of a constant are each written from its tensor, never cast at run time.
     */
    private static final class Forms {
        final DType canonical;
        final Value constant;
        final Map<DType, String> byDType = new EnumMap<>(DType.class);

        Forms(DType canonical, Value constant) {
            this.canonical = canonical;
            this.constant = constant;
        }

        /** Whether converting the canonical form to {@code dtype} keeps every value exactly. */
        boolean losslessTo(DType dtype) {
            return dtype == canonical || (canonical == DType.FLOAT16 && dtype == DType.FLOAT32)
                    || (canonical == DType.BFLOAT16 && dtype == DType.FLOAT32);
        }
    }

    /**
     * The MIL name holding {@code v} as {@code want}; writes the const or cast op on first request.
     * {@code preferred} (a reserved output name) names a newly written op if that name is still free.
     */
    private String materialize(Value v, DType want, String preferred) {
        Forms forms = held.get(v);
        Node cast = forms == null ? pendingCasts.remove(v) : null;
        if (cast != null) {
            lowerNode(cast);
            forms = held.get(v);
        }
        if (forms == null && v.isConstant()) {
            forms = new Forms(v.constantValue().dtype(), v);
            held.put(v, forms);
        }
        if (forms == null) throw new IllegalStateException("value " + v.name() + " is used before the op computing it was lowered");
        String existing = forms.byDType.get(want);
        if (existing != null) return existing;
        String name;
        if (forms.constant != null) {
            Tensor t = forms.constant.constantValue();
            if (t.dtype() != want && !(t.dtype().isFloatingPoint() && want.isFloatingPoint())) {
                throw new IrException("constant " + forms.constant.name() + " " + t.type() + " is needed as " + want + ", which is not a float conversion");
            }
            name = claimOr(preferred, forms.constant.name() + (t.dtype() == want ? "" : "_" + MilTypes.castName(want)));
            block.constant(name, t, want);
        } else {
            String source = forms.byDType.get(forms.canonical);
            name = claimOr(preferred, source + "_to_" + MilTypes.castName(want));
            block.op("cast").in("x", source)
                    .in("dtype", parameterName(name, MilTypes.castName(want)))
                    .out(name, v.type().withDType(want)).emit();
        }
        forms.byDType.put(want, name);
        return name;
    }

    private String parameterName(String castName, String dtypeName) {
        return string(castName, "dtype", dtypeName);
    }

    private String claimOr(String preferred, String base) {
        if (preferred != null && reservedOutputNames.contains(preferred) && claimedOutputNames.add(preferred)) return preferred;
        return names.fresh(base);
    }
}

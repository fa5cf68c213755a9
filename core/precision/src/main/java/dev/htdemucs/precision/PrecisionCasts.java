package dev.htdemucs.precision;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Realises a precision plan as explicit IR, as coremltools' {@code add_fp16_cast} pass does: afterwards the
 * graph itself says which dtype every op computes in, and emitters and runtimes only follow it.
 *
 * <ul>
 *   <li>An op the effective plan ({@link EffectivePrecision#resolve}) puts in fp16 declares fp16 results and
 *       reads fp16 operands; an fp32 op reads fp32 operands.</li>
 *   <li>A computed value needed in another dtype gets one {@code cast} node per (value, dtype), named
 *       {@code <value>_to_fp16} / {@code <value>_to_fp32}, placed just before its first consumer of that
 *       dtype and shared by all later ones.</li>
 *   <li>A constant read by fp16 ops becomes a FLOAT16 constant {@code <const>_fp16} (weights are stored in
 *       fp16, never cast at run time); the original constant stays only if something reads it as it is. Each
 *       constant is placed just before its first consumer.</li>
 *   <li>Graph inputs and outputs keep their types: an output computed in fp16 gets a cast back to its
 *       declared dtype, placed at the end of the graph.</li>
 *   <li>A cast already in the graph that loses nothing (to the dtype its input is computed in, or fp16/bf16
 *       to fp32) disappears: its result shares the forms of its input, so casts never pile up.</li>
 * </ul>
 *
 * Ops without a precision ({@link EffectivePrecision#hasPrecision}: integer results) read their operands in
 * the dtypes the original graph declares. Node and value names are kept. The Core ML emitter turns this
 * graph into the same MIL program it wrote from the plan before casts were explicit, cast for cast.
 */
public final class PrecisionCasts {
    private final Graph graph;
    private final PrecisionPlan effective;
    private final GraphBuilder b;
    private final Map<Value, Forms> forms = new HashMap<>();

    private PrecisionCasts(Graph graph, PrecisionPlan effective) {
        this.graph = graph;
        this.effective = effective;
        this.b = new GraphBuilder(graph.name(), graph.ops());
    }

    /** {@code graph} with {@code plan} (resolved to its effective plan first) as casts and fp16 constants. */
    public static Graph apply(Graph graph, PrecisionPlan plan) {
        PrecisionPlan effective = EffectivePrecision.resolve(graph, plan == null ? PrecisionPlan.uniform(Precision.FP32) : plan);
        if (!effective.byNode().containsValue(Precision.FP16)) return graph;
        return new PrecisionCasts(graph, effective).build();
    }

    /** The dtype an op computes in, under {@code precision}. */
    public static DType dtype(Precision precision) {
        return precision == Precision.FP16 ? DType.FLOAT16 : DType.FLOAT32;
    }

    private Graph build() {
        for (Value in : graph.inputs()) forms.put(in, Forms.computed(b.input(in.name(), in.type())));
        for (Node node : graph.nodes()) {
            switch (node.op()) {
                case "const" -> forms.put(node.output(), Forms.constant(node));
                case "cast" -> cast(node);
                default -> compute(node);
            }
        }
        graph.outputs().forEach((name, v) -> b.output(name, form(v, v.type().dtype())));
        Graph result = b.build();
        List<String> problems = new GraphValidator().problems(result);
        if (!problems.isEmpty()) {
            throw new IrException("graph " + graph.name() + " with its precision casts is invalid:\n  " + String.join("\n  ", problems));
        }
        return result;
    }

    private void cast(Node node) {
        Forms source = forms.get(node.input(0));
        DType to = node.attributes().dtype("dtype");
        if (source.losslessTo(to)) {
            forms.put(node.output(), source); // the cast changes nothing: its readers read its input
            return;
        }
        Value in = form(node.input(0), source.canonical);
        Value out = b.opDeclared("cast", node.name(), node.attributes(), List.of(node.output().type().withDType(to)),
                List.of(node.output().name()), in).get(0);
        forms.put(node.output(), Forms.computed(out));
        if (source.constant == null && source.canonical.isFloatingPoint() && to.isFloatingPoint()) source.byDType.putIfAbsent(to, out);
    }

    private void compute(Node node) {
        boolean decided = EffectivePrecision.hasPrecision(node);
        DType computeType = decided ? dtype(effective.of(node)) : null;
        Value[] inputs = new Value[node.inputs().size()];
        for (int i = 0; i < inputs.length; i++) {
            Value v = node.input(i);
            if (v == null) continue;
            DType declared = v.type().dtype();
            inputs[i] = form(v, decided && declared.isFloatingPoint() ? computeType : declared);
        }
        List<TensorType> types = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Value out : node.outputs()) {
            types.add(decided ? out.type().withDType(computeType) : out.type());
            names.add(out.name());
        }
        List<Value> outs = b.opDeclared(node.op(), node.name(), node.attributes(), types, names, inputs);
        for (int i = 0; i < outs.size(); i++) forms.put(node.outputs().get(i), Forms.computed(outs.get(i)));
    }

    /** The value holding {@code v} as {@code dtype}: written (const or cast) on first request, then shared. */
    private Value form(Value v, DType dtype) {
        Forms f = forms.get(v);
        if (f == null) throw new IllegalStateException("value " + v.name() + " is read before it is computed");
        Value held = f.byDType.get(dtype);
        if (held != null) return held;
        if (f.constant != null) {
            Tensor t = f.constant.output().constantValue();
            boolean asIs = t.dtype() == dtype;
            if (!asIs && !(t.dtype().isFloatingPoint() && dtype.isFloatingPoint())) {
                throw new IrException("constant " + v.name() + " " + t.type() + " is needed as " + dtype + ", which is not a float conversion");
            }
            String suffix = asIs ? "" : "_" + suffix(dtype);
            Attributes attributes = asIs ? f.constant.attributes() : Attributes.of("value", t.to(dtype));
            held = b.opDeclared("const", f.constant.name() + suffix, attributes, List.of(t.type().withDType(dtype)),
                    List.of(f.constant.output().name() + suffix)).get(0);
        } else {
            Value source = f.byDType.get(f.canonical);
            held = b.op("cast", source.name() + "_to_" + suffix(dtype), Attributes.of("dtype", dtype), source);
        }
        f.byDType.put(dtype, held);
        return held;
    }

    /** The name part of a dtype in names of casts and converted constants: fp16, fp32 (as MIL calls them). */
    static String suffix(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> "fp16";
            case FLOAT32 -> "fp32";
            default -> dtype.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * The values holding one value of the original graph: the dtype it is computed in ({@code canonical}) and
     * conversions of it, at most one per dtype. A constant's forms are each a constant of their own.
     */
    private static final class Forms {
        final DType canonical;
        final Node constant;
        final Map<DType, Value> byDType = new EnumMap<>(DType.class);

        private Forms(DType canonical, Node constant) {
            this.canonical = canonical;
            this.constant = constant;
        }

        static Forms computed(Value v) {
            Forms f = new Forms(v.type().dtype(), null);
            f.byDType.put(v.type().dtype(), v);
            return f;
        }

        static Forms constant(Node node) {
            return new Forms(node.output().constantValue().dtype(), node);
        }

        /** Whether converting the canonical form to {@code dtype} keeps every value exactly. */
        boolean losslessTo(DType dtype) {
            return dtype == canonical || (dtype == DType.FLOAT32 && (canonical == DType.FLOAT16 || canonical == DType.BFLOAT16));
        }
    }
}

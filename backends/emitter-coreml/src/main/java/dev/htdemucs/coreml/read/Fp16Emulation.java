package dev.htdemucs.coreml.read;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a graph read from a package (fp16 constants, fp16 ops, casts) into an all-fp32 graph plus a
 * precision plan, for a runtime that emulates fp16 by rounding the results of ops marked FP16:
 *
 * <ul>
 *   <li>fp16 constants become fp32 constants holding the same (already rounded) values;</li>
 *   <li>an op that computes in fp16 in the package is the same op in fp32, marked FP16, so its results are
 *       rounded to fp16 as Core ML stores them;</li>
 *   <li>a cast to fp16 becomes a same-shape reshape marked FP16 — the rounding the cast does;</li>
 *   <li>a cast to fp32 disappears (its input already holds fp16-representable values).</li>
 * </ul>
 */
public final class Fp16Emulation {
    public record Emulated(Graph graph, PrecisionPlan plan) {}

    private Fp16Emulation() {}

    public static Emulated of(Graph packageGraph) {
        GraphBuilder b = new GraphBuilder(packageGraph.name(), packageGraph.ops());
        Map<Value, Value> mapped = new HashMap<>();
        Map<String, Precision> plan = new LinkedHashMap<>();
        for (Value in : packageGraph.inputs()) {
            TensorType t = in.type();
            if (t.dtype() == DType.FLOAT16) {
                Value wide = b.input(in.name(), t.withDType(DType.FLOAT32));
                Value rounded = b.op("reshape", in.name() + "_fp16", Attributes.of("shape", t.shape()), wide);
                plan.put(rounded.producer().name(), Precision.FP16);
                mapped.put(in, rounded);
            } else {
                mapped.put(in, b.input(in.name(), t));
            }
        }
        for (Node n : packageGraph.nodes()) {
            switch (n.op()) {
                case "const" -> {
                    Tensor t = n.output().constantValue();
                    mapped.put(n.output(), b.constant(n.name(), t.dtype() == DType.FLOAT16 ? t.to(DType.FLOAT32) : t));
                }
                case "cast" -> {
                    DType to = n.attributes().dtype("dtype");
                    Value src = mapped.get(n.input(0));
                    if (to == DType.FLOAT16) {
                        Value r = b.op("reshape", n.name(), Attributes.of("shape", src.type().shape()), src);
                        plan.put(r.producer().name(), Precision.FP16);
                        mapped.put(n.output(), r);
                    } else if (to == DType.FLOAT32 && src.type().dtype() == DType.FLOAT32) {
                        mapped.put(n.output(), src);
                    } else {
                        mapped.put(n.output(), b.op("cast", n.name(), n.attributes(), src));
                    }
                }
                default -> {
                    Value[] inputs = n.inputs().stream().map(v -> v == null ? null : mapped.get(v)).toArray(Value[]::new);
                    List<Value> outs = b.opMulti(n.op(), n.name(), n.attributes(), inputs);
                    boolean fp16 = n.outputs().stream().anyMatch(v -> v.type().dtype() == DType.FLOAT16);
                    if (fp16) plan.put(outs.get(0).producer().name(), Precision.FP16);
                    for (int i = 0; i < outs.size(); i++) mapped.put(n.outputs().get(i), outs.get(i));
                }
            }
        }
        packageGraph.outputs().forEach((name, v) -> b.output(name, mapped.get(v)));
        return new Emulated(b.build(), new PrecisionPlan(plan, Precision.FP32));
    }
}

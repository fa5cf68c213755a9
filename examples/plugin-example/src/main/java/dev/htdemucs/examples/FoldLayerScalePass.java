package dev.htdemucs.examples;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.passes.GraphRewriter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Folds LayerScale into the op in front of it: {@code mul(linear(x, W, b), s)} becomes
 * {@code linear(x, diag(s)·W, s·b)}, and likewise for {@code conv}. One op and one constant fewer per
 * LayerScale, and the same numbers up to float rounding: each weight is multiplied by its channel's scale
 * once, in the weight's dtype, instead of each activation at run time.
 *
 * <p>A {@code mul} is folded when
 * <ul>
 *   <li>one operand is the output of a {@code linear} or {@code conv} whose weight is a constant and whose
 *       bias is a constant or absent, and that output is read by nothing but the mul and is no graph output;</li>
 *   <li>the other operand is a constant that varies along the producer's output-channel axis only (the last
 *       axis for linear, axis 1 for conv): after numpy's right alignment every other axis has size 1, and the
 *       mul's result has the producer's type (the scale does not broadcast it to a bigger shape). A scalar, or
 *       a constant of ones-only shape, is a uniform scale and folds too;</li>
 *   <li>the producer computes in float32 or float16.</li>
 * </ul>
 * Matches are found on the pass's input graph; the pass repeats until nothing matches, so a chain of
 * scales folds completely.
 *
 * <p>The folded node keeps the producer's name: it is still that module's linear or conv, with rescaled
 * weights, so precision plans and error messages naming e.g. {@code ...self_attn.out_proj} still find it;
 * the mul's name (e.g. {@code ...gamma_1}) disappears with the op. The rescaled weight and bias constants
 * take over the names of the originals, which are dropped once nothing else reads them (as is the scale);
 * a weight or bias that another node also reads stays for that node, and the rescaled copy is named
 * {@code <name>.layer_scaled}.
 *
 * <p>In HTDemucs the cross-transformer's LayerScales ({@code ...layers.N.gamma_1} after {@code self_attn.out_proj}
 * or {@code cross_attn.out_proj}, {@code gamma_2} after {@code linear2}) fold. DConv's LayerScale
 * ({@code ...dconv.layers.N.6}) scales the output of a {@code glu}, not of a conv, and is left alone.
 */
public final class FoldLayerScalePass implements GraphPass {
    public static final String NAME = "fold-layer-scale";
    static final String RESCALED_COPY_SUFFIX = ".layer_scaled";

    /** One folded LayerScale: the mul that disappeared and the linear/conv that absorbed it. */
    public record Fold(String mulName, String producerName) {}

    /** The rewritten graph and what was folded into what, in graph order. */
    public record Result(Graph graph, List<Fold> folds) {}

    /** A mul that folds, found on the source graph. */
    private record Match(Node mul, Node producer, int scaleInput, float[] channelScales) {}

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "fold LayerScale (mul by a per-channel constant right after a linear/conv) into that op's weights and bias";
    }

    @Override
    public LoadedModel apply(LoadedModel model, Options options) {
        Graph folded = foldAll(model.graph()).graph();
        return folded == model.graph() ? model : model.withGraph(folded);
    }

    /** Folds until nothing matches; returns the source graph itself when nothing did. */
    public static Result foldAll(Graph graph) {
        List<Fold> all = new ArrayList<>();
        Graph current = graph;
        while (true) {
            Result step = foldOnce(current);
            if (step.folds().isEmpty()) return new Result(current, List.copyOf(all));
            all.addAll(step.folds());
            current = step.graph();
        }
    }

    /** One sweep: folds every mul that matches in {@code graph} (not those that only match after folding). */
    public static Result foldOnce(Graph graph) {
        Map<Value, List<Node>> uses = graph.consumers();
        Set<Value> graphOutputs = new HashSet<>(graph.outputs().values());
        Map<Node, Match> byProducer = new LinkedHashMap<>();
        Set<Node> foldedMuls = new HashSet<>();
        for (Node node : graph.nodes()) {
            Match m = match(node, uses, graphOutputs);
            if (m != null) {
                byProducer.put(m.producer(), m);
                foldedMuls.add(node);
            }
        }
        if (byProducer.isEmpty()) return new Result(graph, List.of());

        Set<Node> unusedConstants = constantsOnlyReadByFolds(graph, byProducer, graphOutputs);
        GraphRewriter rw = new GraphRewriter(graph);
        rw.copyInputs();
        List<Fold> folds = new ArrayList<>();
        for (Node node : graph.nodes()) {
            if (unusedConstants.contains(node) || foldedMuls.contains(node)) continue;
            Match m = byProducer.get(node);
            if (m == null) {
                rw.copy(node);
                continue;
            }
            // the producer's own output is read only by the mul, so the folded op stands for the mul's output
            rw.map(m.mul().output(), folded(m, rw, unusedConstants));
            folds.add(new Fold(m.mul().name(), node.name()));
        }
        return new Result(rw.build(graph.outputs()), folds);
    }

    private static Match match(Node mul, Map<Value, List<Node>> uses, Set<Value> graphOutputs) {
        if (!mul.op().equals("mul") || mul.inputs().size() != 2) return null;
        for (int side = 0; side < 2; side++) {
            Value y = mul.input(side), scale = mul.input(1 - side);
            if (y == null || scale == null || y.isGraphInput() || !scale.isConstant()) continue;
            Node producer = y.producer();
            int channelAxis = switch (producer.op()) {
                case "linear" -> y.type().rank() - 1;
                case "conv" -> 1;
                default -> -1;
            };
            if (channelAxis < 0) continue;
            Value weight = producer.input(1), bias = producer.input(2);
            if (!weight.isConstant() || (bias != null && !bias.isConstant())) continue;
            if (uses.getOrDefault(y, List.of()).size() != 1 || graphOutputs.contains(y)) continue;
            if (!mul.output().type().equals(y.type())) continue;
            if (!isFoldableFloat(y.type().dtype()) || !isFoldableFloat(weight.type().dtype())
                    || (bias != null && !isFoldableFloat(bias.type().dtype()))) continue;
            float[] channelScales = channelScales(scale.constantValue(), y.type(), channelAxis);
            if (channelScales == null) continue;
            return new Match(mul, producer, 1 - side, channelScales);
        }
        return null;
    }

    private static boolean isFoldableFloat(DType t) {
        return t == DType.FLOAT32 || t == DType.FLOAT16;
    }

    /**
     * The scale of each output channel, or null when {@code scale} varies along another axis of {@code y}
     * (numpy broadcasting aligns shapes at their last axis).
     */
    private static float[] channelScales(Tensor scale, TensorType y, int channelAxis) {
        int[] s = scale.shape();
        if (s.length > y.rank()) return null;
        int channels = y.dim(channelAxis);
        int offset = y.rank() - s.length;
        boolean perChannel = false;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 1) continue;
            if (offset + i == channelAxis && s[i] == channels) {
                perChannel = true;
                continue;
            }
            return null;
        }
        float[] values = scale.toFloatArray();
        float[] out = new float[channels];
        for (int c = 0; c < channels; c++) out[c] = perChannel ? values[c] : values[0];
        return out;
    }

    /**
     * Constant nodes whose every read is absorbed by a fold (a folded producer's weight or bias, a folded
     * mul's scale): the rewritten graph does not need them.
     */
    private static Set<Node> constantsOnlyReadByFolds(Graph graph, Map<Node, Match> byProducer, Set<Value> graphOutputs) {
        Map<Node, Match> byMul = new HashMap<>();
        for (Match m : byProducer.values()) byMul.put(m.mul(), m);
        Map<Value, int[]> readsAndAbsorbed = new HashMap<>();
        for (Node node : graph.nodes()) {
            for (int i = 0; i < node.inputs().size(); i++) {
                Value v = node.input(i);
                if (v == null || !v.isConstant()) continue;
                int[] counts = readsAndAbsorbed.computeIfAbsent(v, k -> new int[2]);
                counts[0]++;
                boolean absorbed = (byProducer.containsKey(node) && (i == 1 || i == 2))
                        || (byMul.containsKey(node) && byMul.get(node).scaleInput() == i);
                if (absorbed) counts[1]++;
            }
        }
        Set<Node> unused = new HashSet<>();
        readsAndAbsorbed.forEach((v, counts) -> {
            if (counts[0] == counts[1] && !graphOutputs.contains(v)) unused.add(v.producer());
        });
        return unused;
    }

    /** Adds the rescaled constants and the folded linear/conv; returns its output. */
    private static Value folded(Match m, GraphRewriter rw, Set<Node> unusedConstants) {
        Node producer = m.producer();
        GraphBuilder g = rw.builder();
        Value weight = rescaledConstant(g, producer.input(1), m.channelScales(), unusedConstants);
        Value bias = producer.input(2) == null ? null : rescaledConstant(g, producer.input(2), m.channelScales(), unusedConstants);
        return g.op(producer.op(), producer.name(), producer.attributes(), rw.get(producer.input(0)), weight, bias);
    }

    /** weight [Cout, ...] or bias [Cout], each slice along axis 0 multiplied by its channel's scale. */
    private static Value rescaledConstant(GraphBuilder g, Value original, float[] channelScales, Set<Node> unusedConstants) {
        Tensor t = original.constantValue();
        float[] v = t.toFloatArray();
        int perChannel = v.length / channelScales.length;
        for (int c = 0; c < channelScales.length; c++) {
            for (int j = 0; j < perChannel; j++) v[c * perChannel + j] *= channelScales[c];
        }
        String constName = original.producer().name();
        String name = unusedConstants.contains(original.producer()) ? constName : constName + RESCALED_COPY_SUFFIX;
        return g.constant(name, Tensor.ofFloats(t.shape(), v).to(t.dtype()));
    }
}

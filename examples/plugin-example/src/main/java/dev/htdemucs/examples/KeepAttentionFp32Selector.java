package dev.htdemucs.examples;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.precision.EffectivePrecision;
import dev.htdemucs.precision.Fp16Range;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * fp16 everywhere except attention and normalisation, which compute in fp32. A node is fp32 when the first
 * of these rules that applies says so (see {@link Rule}); every other op with floating-point outputs is
 * fp16. Constants and casts have no precision of their own; nodes the plan does not list run in fp32.
 *
 * <ol>
 *   <li>{@link Rule#ATTENTION_MODULE}: a segment of the node's name (split at {@code .}, {@code /}, {@code :})
 *       ends in {@code attn} or {@code attention} — PyTorch's {@code self_attn}, {@code cross_attn},
 *       {@code multihead_attn}. In HTDemucs that is all of {@code crosstransformer.layers[_t].N.self_attn.*}
 *       and {@code .cross_attn.*}: the q/k/v projections, head split, 1/√d scaling, scores, softmax,
 *       context, head merge and out_proj.</li>
 *   <li>{@link Rule#ATTENTION_OP}: every {@code softmax}, and every {@code matmul} of two computed values
 *       (activation × activation: attention scores and context) — attention whatever its names.</li>
 *   <li>{@link Rule#NORMALISATION_OP}: {@code layer_norm}, {@code group_norm}.</li>
 *   <li>{@link Rule#NORMALISATION_STATISTICS}: a node named {@code P} and its direct children
 *       {@code P.x} / {@code P/x} (x without separators) form a group; a group holding a {@code sqrt} and a
 *       {@code reduce_mean} or {@code reduce_sum} computes normalisation statistics, and all of it is fp32.
 *       That is HTDemucs' input normalisation ({@code spec_norm.*}, {@code mix_norm.*}: mean, centring,
 *       squares, unbiased variance, std, eps, division) and every group_norm the {@code lower-group-norm}
 *       pass has rewritten into primitives ({@code encoder.0.norm1/mean}, {@code /variance}, {@code /std},
 *       ...), whatever the norm's own name. A lowered glu ({@code P/split}, {@code P/gate}) has no
 *       statistics and stays fp16.</li>
 *   <li>{@link Rule#USES_STATISTICS}: a node reading a mean or std computed in such a group, directly or
 *       through reshape/transpose: HTDemucs' de-normalisation of its outputs
 *       ({@code spec_out.std}, {@code spec_out.scale}, {@code spec_out.mean}, {@code spec_out}, likewise
 *       {@code wave_out}).</li>
 *   <li>{@link Rule#BEYOND_FP16_RANGE}: a node with a constant input (or float attribute) beyond ±65504, which
 *       fp16 cannot hold ({@link Fp16Range}, the rule of the built-in selectors and of
 *       {@link EffectivePrecision}).</li>
 * </ol>
 *
 * Which nodes have a precision at all is {@link EffectivePrecision#hasPrecision}, from module {@code precision}
 * (a provided dependency: the CLI has it on its class path).
 */
public final class KeepAttentionFp32Selector implements PrecisionSelector {
    public static final String NAME = "keep-attention-fp32";

    /** Why a node is kept in fp32. */
    public enum Rule {
        ATTENTION_MODULE, ATTENTION_OP, NORMALISATION_OP, NORMALISATION_STATISTICS, USES_STATISTICS, BEYOND_FP16_RANGE
    }

    private static final Set<String> STATISTICS_REDUCTIONS = Set.of("reduce_mean", "reduce_sum");
    private static final Set<String> SHAPE_ONLY_OPS = Set.of("reshape", "transpose");
    private static final String NAME_SEPARATORS = "[./:]";

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "fp16, but attention (q/k/v, scores, softmax, context, out_proj) and all normalisation in fp32";
    }

    @Override
    public PrecisionPlan select(LoadedModel model, Options options) {
        return plan(model.graph());
    }

    /** The plan: {@link Precision#FP32} for every node {@link #fp32Reasons} lists, FP16 for the other ops. */
    public static PrecisionPlan plan(Graph graph) {
        Map<String, Rule> fp32 = fp32Reasons(graph);
        Map<String, Precision> byNode = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!EffectivePrecision.hasPrecision(n)) continue;
            byNode.put(n.name(), fp32.containsKey(n.name()) ? Precision.FP32 : Precision.FP16);
        }
        return new PrecisionPlan(byNode, Precision.FP32);
    }

    /** Node name → the first rule keeping it in fp32, for every op node this selector keeps in fp32. */
    public static Map<String, Rule> fp32Reasons(Graph graph) {
        Set<Node> statisticsGroups = statisticsGroupMembers(graph);
        Set<Value> statistics = new HashSet<>();
        Fp16Range range = new Fp16Range();
        Map<String, Rule> reasons = new LinkedHashMap<>();
        for (Node n : graph.nodes()) {
            if (!EffectivePrecision.hasPrecision(n)) continue;
            boolean inStatisticsGroup = statisticsGroups.contains(n);
            boolean readsStatistics = n.inputs().stream().anyMatch(statistics::contains);
            boolean computesStatistics = inStatisticsGroup && (STATISTICS_REDUCTIONS.contains(n.op()) || n.op().equals("sqrt"));
            boolean movesStatistics = readsStatistics && SHAPE_ONLY_OPS.contains(n.op());
            if (computesStatistics || movesStatistics) {
                statistics.addAll(n.outputs());
            }
            Rule rule;
            if (isAttentionModule(n.name())) rule = Rule.ATTENTION_MODULE;
            else if (isAttentionOp(n)) rule = Rule.ATTENTION_OP;
            else if (n.op().equals("layer_norm") || n.op().equals("group_norm")) rule = Rule.NORMALISATION_OP;
            else if (inStatisticsGroup) rule = Rule.NORMALISATION_STATISTICS;
            else if (readsStatistics) rule = Rule.USES_STATISTICS;
            else if (!range.constantsFit(n)) rule = Rule.BEYOND_FP16_RANGE;
            else continue;
            reasons.put(n.name(), rule);
        }
        return reasons;
    }

    static boolean isAttentionModule(String nodeName) {
        for (String segment : nodeName.split(NAME_SEPARATORS)) {
            String s = segment.toLowerCase(Locale.ROOT);
            if (s.endsWith("attn") || s.endsWith("attention")) return true;
        }
        return false;
    }

    private static boolean isAttentionOp(Node n) {
        if (n.op().equals("softmax")) return true;
        return n.op().equals("matmul") && !n.input(0).isConstant() && !n.input(1).isConstant();
    }

    /** Nodes of the name groups (a node and its direct children) that compute a sqrt of a reduction. */
    private static Set<Node> statisticsGroupMembers(Graph graph) {
        Map<String, Node> byName = new HashMap<>();
        Map<String, List<Node>> children = new HashMap<>();
        for (Node n : graph.nodes()) {
            byName.put(n.name(), n);
            String parent = parentName(n.name());
            if (parent != null) children.computeIfAbsent(parent, k -> new ArrayList<>()).add(n);
        }
        Set<Node> members = new HashSet<>();
        children.forEach((parent, kids) -> {
            List<Node> group = new ArrayList<>(kids);
            if (byName.containsKey(parent)) group.add(byName.get(parent));
            boolean sqrt = group.stream().anyMatch(k -> k.op().equals("sqrt"));
            boolean reduction = group.stream().anyMatch(k -> STATISTICS_REDUCTIONS.contains(k.op()));
            if (sqrt && reduction) members.addAll(group);
        });
        return members;
    }

    /** {@code a.b/c} → {@code a.b}; {@code a.b} → {@code a}; a name without separators has no parent. */
    private static String parentName(String name) {
        int cut = Math.max(name.lastIndexOf('.'), Math.max(name.lastIndexOf('/'), name.lastIndexOf(':')));
        return cut > 0 ? name.substring(0, cut) : null;
    }
}

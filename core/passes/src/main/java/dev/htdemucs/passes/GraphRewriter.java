package dev.htdemucs.passes;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.ops.OpRegistry;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies a graph into a new one, node by node, with a map from source values to new values. Graphs are
 * immutable, so every pass is a copy: a lowering replaces some nodes by several simpler ones
 * ({@link #rewrite}), surgery copies only what a cut leaves alive ({@link #liveNodes}).
 *
 * <p>The new graph has the source graph's ops ({@link Graph#ops()}), so plugin ops are copied along; a pass
 * that inserts an op of its own gives the rewriter a registry that has it ({@code graph.ops().with(op)}).
 *
 * <p>Copied nodes keep their names, attributes and (shared, not copied) constant tensors. A replacement
 * should give its <em>last</em> node the replaced node's name, so names that precision plans, layer-output
 * captures and error messages refer to still exist after lowering.
 */
public final class GraphRewriter {

    /** Decides what becomes of one source node. */
    @FunctionalInterface
    public interface NodeRule {
        /**
         * Builds the node's replacement with {@code rewriter} ({@link #get} maps the node's inputs,
         * {@link #builder} adds nodes) and returns values standing for the node's outputs, in order; or
         * returns null to copy the node unchanged.
         */
        List<Value> replace(Node node, GraphRewriter rewriter);
    }

    private final Graph source;
    private final GraphBuilder builder;
    private final Map<Value, Value> mapped = new HashMap<>();

    /** A rewriter producing a graph of the same name. */
    public GraphRewriter(Graph source) {
        this(source, source.name());
    }

    public GraphRewriter(Graph source, String newGraphName) {
        this(source, newGraphName, source.ops());
    }

    /** A rewriter producing a graph of the same name whose ops are those of {@code ops}. */
    public GraphRewriter(Graph source, OpRegistry ops) {
        this(source, source.name(), ops);
    }

    public GraphRewriter(Graph source, String newGraphName, OpRegistry ops) {
        this.source = source;
        this.builder = new GraphBuilder(newGraphName, ops);
    }

    public Graph source() { return source; }

    /** Where new nodes are added. */
    public GraphBuilder builder() { return builder; }

    /** Declares an input of the new graph named {@code name}, typed like and standing for {@code sourceValue}. */
    public Value input(String name, Value sourceValue) {
        Value v = builder.input(name, sourceValue.type());
        map(sourceValue, v);
        return v;
    }

    /** Copies every input of the source graph, in order, under its name. */
    public void copyInputs() {
        for (Value in : source.inputs()) input(in.name(), in);
    }

    /** Records that {@code replacement} (a value of the new graph) stands for {@code sourceValue}. */
    public void map(Value sourceValue, Value replacement) {
        if (!sourceValue.type().equals(replacement.type())) {
            throw new IrException("replacement %" + replacement.name() + ":" + replacement.type() + " for %"
                    + sourceValue.name() + " has a different type than " + sourceValue.type());
        }
        mapped.put(sourceValue, replacement);
    }

    public boolean isMapped(Value sourceValue) { return mapped.containsKey(sourceValue); }

    /** The new value standing for a source value (null stays null: an absent optional input). */
    public Value get(Value sourceValue) {
        if (sourceValue == null) return null;
        Value v = mapped.get(sourceValue);
        if (v == null) {
            String where = sourceValue.isGraphInput() ? "graph input" : "output of node " + sourceValue.producer().name();
            throw new IrException("value %" + sourceValue.name() + " (" + where + ") of graph " + source.name()
                    + " has not been copied yet");
        }
        return v;
    }

    /** Copies a node unchanged (name, op, attributes), its inputs mapped; returns its new outputs. */
    public List<Value> copy(Node node) {
        Value[] inputs = new Value[node.inputs().size()];
        for (int i = 0; i < inputs.length; i++) inputs[i] = get(node.inputs().get(i));
        List<Value> outs = builder.opMulti(node.op(), node.name(), node.attributes(), inputs);
        for (int i = 0; i < outs.size(); i++) map(node.outputs().get(i), outs.get(i));
        return outs;
    }

    /** Applies {@code rule} to one node: copies it or maps its outputs to the rule's replacement values. */
    public void apply(Node node, NodeRule rule) {
        List<Value> replacement = rule.replace(node, this);
        if (replacement == null) {
            copy(node);
            return;
        }
        if (replacement.size() != node.outputs().size()) {
            throw new IrException("rewriting node " + node.name() + " (" + node.op() + "): " + node.outputs().size()
                    + " outputs replaced by " + replacement.size() + " values");
        }
        for (int i = 0; i < replacement.size(); i++) {
            Value old = node.outputs().get(i), now = replacement.get(i);
            if (!old.type().equals(now.type())) {
                throw new IrException("rewriting node " + node.name() + " (" + node.op() + "): output " + i + " was "
                        + old.type() + ", replacement %" + now.name() + " is " + now.type());
            }
            map(old, now);
        }
    }

    /** Declares the new graph's outputs (source values, mapped) and builds it. */
    public Graph build(Map<String, Value> sourceOutputs) {
        for (Map.Entry<String, Value> e : sourceOutputs.entrySet()) builder.output(e.getKey(), get(e.getValue()));
        return builder.build();
    }

    /**
     * Rewrites a whole graph: same inputs and outputs, every node passed through {@code rule} in order.
     * Returns the source graph itself when the rule replaced nothing.
     */
    public static Graph rewrite(Graph graph, NodeRule rule) {
        return rewrite(graph, graph.ops(), rule);
    }

    /** As {@link #rewrite(Graph, NodeRule)}, into a graph whose ops are those of {@code ops}. */
    public static Graph rewrite(Graph graph, OpRegistry ops, NodeRule rule) {
        GraphRewriter rw = new GraphRewriter(graph, ops);
        rw.copyInputs();
        boolean[] changed = {false};
        for (Node node : graph.nodes()) {
            rw.apply(node, (n, r) -> {
                List<Value> out = rule.replace(n, r);
                if (out != null) changed[0] = true;
                return out;
            });
        }
        return changed[0] ? rw.build(graph.outputs()) : graph;
    }

    /**
     * The nodes needed to compute {@code roots}, in the graph's topological order, not looking past
     * {@code provided} values (which a cut will feed as inputs). Nodes producing a provided value are not
     * included unless something else needs them.
     */
    public static List<Node> liveNodes(Graph graph, Collection<Value> roots, Set<Value> provided) {
        Set<Node> live = new HashSet<>();
        Deque<Value> work = new ArrayDeque<>(roots);
        while (!work.isEmpty()) {
            Value v = work.pop();
            if (v == null || provided.contains(v) || v.isGraphInput()) continue;
            Node n = v.producer();
            if (live.add(n)) {
                for (Value in : n.inputs()) if (in != null) work.push(in);
            }
        }
        List<Node> ordered = new ArrayList<>();
        for (Node n : graph.nodes()) if (live.contains(n)) ordered.add(n);
        return ordered;
    }

    /** Graph inputs that the given nodes read. */
    public static Set<Value> inputsUsed(Collection<Node> nodes) {
        Set<Value> result = new LinkedHashSet<>();
        for (Node n : nodes) for (Value in : n.inputs()) if (in != null && in.isGraphInput()) result.add(in);
        return result;
    }
}

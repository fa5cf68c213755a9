package dev.htdemucs.ir;

import dev.htdemucs.ir.ops.OpRegistry;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A static-shape dataflow graph: named inputs, nodes in topological order, named outputs, and the op set
 * its nodes are written in ({@link #ops()}, standard ops plus any plugin's).
 * Built with {@link GraphBuilder}; checked with {@link GraphValidator}.
 */
public final class Graph {
    private final String name;
    private final List<Value> inputs;
    private final List<Node> nodes;
    private final Map<String, Value> outputs;
    private final OpRegistry ops;

    Graph(String name, List<Value> inputs, List<Node> nodes, Map<String, Value> outputs, OpRegistry ops) {
        this.name = name;
        this.ops = ops;
        this.inputs = Collections.unmodifiableList(new ArrayList<>(inputs));
        this.nodes = Collections.unmodifiableList(new ArrayList<>(nodes));
        this.outputs = Collections.unmodifiableMap(new LinkedHashMap<>(outputs));
    }

    public String name() { return name; }
    /** The ops this graph was built with: what {@link GraphValidator} checks it against, what copies of it build with. */
    public OpRegistry ops() { return ops; }
    public List<Value> inputs() { return inputs; }
    /** Nodes in topological order (every input is produced before it is used). */
    public List<Node> nodes() { return nodes; }

    /** The nodes whose op runs on the host ({@link dev.htdemucs.ir.ops.OpDef#runsOnHost}), in graph order. */
    public List<Node> hostSideNodes() {
        return nodes.stream().filter(n -> ops.find(n.op()).map(dev.htdemucs.ir.ops.OpDef::runsOnHost).orElse(false)).toList();
    }
    /** Output name → value, in declaration order. */
    public Map<String, Value> outputs() { return outputs; }

    public Value input(String inputName) {
        for (Value v : inputs) if (v.name().equals(inputName)) return v;
        throw new IrException("graph " + name + " has no input '" + inputName + "'; inputs: " + inputNames());
    }

    public Value output(String outputName) {
        Value v = outputs.get(outputName);
        if (v == null) throw new IrException("graph " + name + " has no output '" + outputName + "'; outputs: " + outputs.keySet());
        return v;
    }

    public List<String> inputNames() {
        List<String> n = new ArrayList<>();
        for (Value v : inputs) n.add(v.name());
        return n;
    }

    /** Number of nodes per op type, sorted by op name. */
    public Map<String, Integer> opHistogram() {
        Map<String, Integer> h = new java.util.TreeMap<>();
        for (Node n : nodes) h.merge(n.op(), 1, Integer::sum);
        return h;
    }

    /** Consumers of every value, for passes that need use lists. */
    public Map<Value, List<Node>> consumers() {
        Map<Value, List<Node>> uses = new HashMap<>();
        for (Node n : nodes) {
            for (Value v : n.inputs()) if (v != null) uses.computeIfAbsent(v, k -> new ArrayList<>()).add(n);
        }
        return uses;
    }

    /** Total elements of all constant tensors (weights and other constants). */
    public long constantElementCount() {
        long n = 0;
        for (Node node : nodes) if (node.op().equals("const")) n += node.output().type().numel();
        return n;
    }

    @Override public String toString() {
        return "Graph(" + name + ", " + inputs.size() + " inputs, " + nodes.size() + " nodes, outputs " + outputs.keySet() + ")";
    }
}

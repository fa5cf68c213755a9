package dev.htdemucs.ir;

import dev.htdemucs.ir.ops.OpDef;
import dev.htdemucs.ir.ops.OpRegistry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link Graph} node by node. Every op's output types are inferred by its registered
 * {@link OpDef} when the node is added, so shape errors surface at the node that causes them.
 */
public final class GraphBuilder {
    private final String graphName;
    private final OpRegistry registry;
    private final List<Value> inputs = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Value> outputs = new LinkedHashMap<>();
    private final Set<String> valueNames = new HashSet<>();
    private final Set<String> nodeNames = new HashSet<>();

    /** A builder of a graph of standard ops. */
    public GraphBuilder(String graphName) { this(graphName, OpRegistry.standard()); }

    /** A builder of a graph whose ops are those of {@code registry} (the built graph's {@link Graph#ops()}). */
    public GraphBuilder(String graphName, OpRegistry registry) {
        this.graphName = graphName;
        this.registry = registry;
    }

    public OpRegistry registry() { return registry; }

    public Value input(String name, TensorType type) {
        if (!valueNames.add(name)) throw new IrException("duplicate value name '" + name + "' in graph " + graphName);
        Value v = new Value(name, type, null);
        inputs.add(v);
        return v;
    }

    /** A {@code const} node holding {@code value}; {@code name} becomes the node and value name (made unique). */
    public Value constant(String name, Tensor value) {
        return op("const", name, Attributes.of("value", value));
    }

    public Value scalar(String name, float value) { return constant(name, Tensor.scalar(value)); }

    /** Adds a single-output node. Null inputs stand for absent optional inputs. */
    public Value op(String op, String nodeName, Attributes attributes, Value... inputs) {
        List<Value> outs = opMulti(op, nodeName, attributes, inputs);
        if (outs.size() != 1) throw new IrException("node " + nodeName + " (" + op + ") has " + outs.size() + " outputs; use opMulti");
        return outs.get(0);
    }

    public List<Value> opMulti(String op, String nodeName, Attributes attributes, Value... inputs) {
        OpDef def = definition(op, nodeName);
        String uniqueNode = unique(nodeName, nodeNames);
        List<Value> in = new ArrayList<>(Arrays.asList(inputs));
        while (!in.isEmpty() && in.get(in.size() - 1) == null) in.remove(in.size() - 1);
        Node node = new Node(uniqueNode, op, in, attributes == null ? Attributes.EMPTY : attributes);
        List<TensorType> types;
        try {
            types = def.inferTypes(node);
        } catch (RuntimeException e) {
            throw new IrException("node " + uniqueNode + " (" + op + "): " + e.getMessage(), e);
        }
        for (int i = 0; i < types.size(); i++) {
            String vname = unique(types.size() == 1 ? uniqueNode : uniqueNode + ":" + i, valueNames);
            node.addOutput(new Value(vname, types.get(i), node));
        }
        nodes.add(node);
        return node.outputs();
    }

    /**
     * Adds a node whose output types are declared by the caller (a model file being read) rather than
     * inferred; {@link GraphValidator} later checks the declaration against inference.
     */
    public List<Value> opDeclared(String op, String nodeName, Attributes attributes, List<TensorType> outputTypes,
                                  List<String> outputNames, Value... inputs) {
        definition(op, nodeName);
        String uniqueNode = unique(nodeName, nodeNames);
        List<Value> in = new ArrayList<>(Arrays.asList(inputs));
        while (!in.isEmpty() && in.get(in.size() - 1) == null) in.remove(in.size() - 1);
        Node node = new Node(uniqueNode, op, in, attributes == null ? Attributes.EMPTY : attributes);
        for (int i = 0; i < outputTypes.size(); i++) {
            String base = outputNames != null ? outputNames.get(i) : outputTypes.size() == 1 ? uniqueNode : uniqueNode + ":" + i;
            node.addOutput(new Value(unique(base, valueNames), outputTypes.get(i), node));
        }
        nodes.add(node);
        return node.outputs();
    }

    private OpDef definition(String op, String nodeName) {
        return registry.find(op).orElseThrow(() -> new IrException("node " + nodeName + " of graph " + graphName + ": unknown op '"
                + op + "' (a plugin's op needs a builder whose registry has it); known ops: " + String.join(", ", registry.all().keySet())));
    }

    /** Declares a graph output. */
    public GraphBuilder output(String name, Value value) {
        if (outputs.containsKey(name)) throw new IrException("duplicate output '" + name + "' in graph " + graphName);
        outputs.put(name, value);
        return this;
    }

    public Graph build() {
        return new Graph(graphName, inputs, nodes, outputs, registry);
    }

    private static String unique(String base, Set<String> taken) {
        if (taken.add(base)) return base;
        for (int i = 1; ; i++) {
            String candidate = base + "_" + i;
            if (taken.add(candidate)) return candidate;
        }
    }
}

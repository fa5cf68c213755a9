package dev.htdemucs.ir;

import dev.htdemucs.ir.ops.OpDef;
import dev.htdemucs.ir.ops.OpRegistry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a graph: every op is registered, every input is defined before use (no dangling values,
 * no cycles), declared output types equal what the op infers, outputs exist. Each problem names its node.
 */
public final class GraphValidator {
    private final OpRegistry registry;

    /** Checks every graph against its own ops ({@link Graph#ops()}). */
    public GraphValidator() { this.registry = null; }
    /** Checks every graph against {@code registry}, whatever ops it was built with. */
    public GraphValidator(OpRegistry registry) { this.registry = registry; }

    /** All problems found, empty when the graph is valid. */
    public List<String> problems(Graph graph) {
        OpRegistry registry = this.registry != null ? this.registry : graph.ops();
        List<String> problems = new ArrayList<>();
        Set<Value> defined = new HashSet<>(graph.inputs());
        Map<Value, Integer> position = new HashMap<>();
        for (int i = 0; i < graph.nodes().size(); i++) {
            for (Value v : graph.nodes().get(i).outputs()) position.put(v, i);
        }
        Set<String> nodeNames = new HashSet<>();
        for (Node node : graph.nodes()) {
            String where = "node " + node.name() + " (" + node.op() + ")";
            if (!nodeNames.add(node.name())) problems.add(where + ": duplicate node name");
            for (int i = 0; i < node.inputs().size(); i++) {
                Value v = node.inputs().get(i);
                if (v == null || defined.contains(v)) continue;
                if (position.containsKey(v)) {
                    problems.add(where + ": input " + i + " %" + v.name() + " is used before it is defined (cycle or bad order)");
                } else {
                    problems.add(where + ": input " + i + " %" + v.name() + " is dangling: no node or graph input of this graph defines it");
                }
            }
            OpDef def = registry.find(node.op()).orElse(null);
            if (def == null) {
                problems.add(where + ": unknown op '" + node.op() + "'");
            } else {
                try {
                    List<TensorType> inferred = def.inferTypes(node);
                    List<TensorType> declared = node.outputs().stream().map(Value::type).toList();
                    if (!inferred.equals(declared)) {
                        problems.add(where + ": declared output types " + declared + " but the op infers " + inferred);
                    }
                } catch (RuntimeException e) {
                    problems.add(where + ": " + e.getMessage());
                }
            }
            defined.addAll(node.outputs());
        }
        graph.outputs().forEach((name, v) -> {
            if (!defined.contains(v)) problems.add("output '" + name + "': value %" + v.name() + " is not defined in the graph");
        });
        return problems;
    }

    /** Throws an {@link IrException} listing every problem. */
    public void validate(Graph graph) {
        List<String> p = problems(graph);
        if (!p.isEmpty()) {
            throw new IrException("graph " + graph.name() + " is invalid (" + p.size() + " problem"
                    + (p.size() == 1 ? "" : "s") + "):\n  " + String.join("\n  ", p));
        }
    }
}

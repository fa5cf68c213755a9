package dev.htdemucs.passes;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adds the outputs of named nodes as extra graph outputs (named like the node), so a runtime returns
 * intermediate activations — e.g. {@code encoder.0} — for comparison with a reference. Option
 * {@value #NODES_OPTION}: comma-separated node names.
 */
public final class ExposeNodesPass implements GraphPass {
    public static final String NAME = "expose-nodes";
    public static final String NODES_OPTION = "nodes";

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "add the outputs of the nodes named in option 'nodes' (comma-separated) as graph outputs";
    }

    @Override public Set<String> optionKeys() { return Set.of(NODES_OPTION); }

    @Override
    public LoadedModel apply(LoadedModel model, Options options) throws PluginException {
        String list = options.get(NODES_OPTION, "").trim();
        if (list.isEmpty()) {
            throw new PluginException(NAME + ": option '" + NODES_OPTION + "' names no node; give node names separated by commas");
        }
        List<String> names = new ArrayList<>();
        for (String s : list.split(",")) if (!s.isBlank()) names.add(s.strip());
        return model.withGraph(expose(model.graph(), names));
    }

    /** The graph with each named node's single output added as an output of the same name. */
    public static Graph expose(Graph graph, List<String> nodeNames) throws PluginException {
        Map<String, Node> byName = new LinkedHashMap<>();
        for (Node n : graph.nodes()) byName.put(n.name(), n);
        Map<String, Value> outputs = new LinkedHashMap<>(graph.outputs());
        for (String name : nodeNames) {
            Node n = byName.get(name);
            if (n == null) {
                throw new PluginException(NAME + ": graph " + graph.name() + " has no node named '" + name + "'");
            }
            if (n.outputs().size() != 1) {
                throw new PluginException(NAME + ": node " + name + " (" + n.op() + ") has " + n.outputs().size()
                        + " outputs; only single-output nodes can be exposed by name");
            }
            if (outputs.containsKey(name) && outputs.get(name) != n.output()) {
                throw new PluginException(NAME + ": graph " + graph.name() + " already has an output named '" + name + "'");
            }
            outputs.put(name, n.output());
        }
        GraphRewriter rw = new GraphRewriter(graph);
        rw.copyInputs();
        for (Node n : graph.nodes()) rw.copy(n);
        return rw.build(outputs);
    }
}

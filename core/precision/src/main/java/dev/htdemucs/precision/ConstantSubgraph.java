package dev.htdemucs.precision;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * The ops computed from constants alone: every input is a constant or the result of such an op (e.g. the
 * transformer's sinusoidal positional embedding, built in the graph from small position and period tables
 * instead of being stored whole). They stay fp32 under every plan: their intermediates need not resemble
 * activations (an embedding phase reaches ~1.3·10³ rad, where fp16 steps by 1 and the sine becomes noise),
 * and they only touch tables far smaller than the activations, so fp16 would save nothing worth the error.
 */
public final class ConstantSubgraph {
    private ConstantSubgraph() {}

    /** The non-const nodes of {@code graph} whose every (present) input derives from constants only. */
    public static Set<Node> nodes(Graph graph) {
        Set<Value> constantValues = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Node> result = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Node n : graph.nodes()) {
            if (n.op().equals("const")) {
                constantValues.addAll(n.outputs());
                continue;
            }
            boolean anyInput = false, allConstant = true;
            for (Value v : n.inputs()) {
                if (v == null) continue;
                anyInput = true;
                if (!constantValues.contains(v) && !v.isConstant()) {
                    allConstant = false;
                    break;
                }
            }
            if (anyInput && allConstant) {
                result.add(n);
                constantValues.addAll(n.outputs());
            }
        }
        return result;
    }
}

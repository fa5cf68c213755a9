package dev.htdemucs.onnx;

import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Recognises exact GELU written out with Erf, as torch.onnx exports it before opset 20:
 * {@code Mul(Mul(x, Add(Erf(Div(x, √2)), 1)), 0.5)} (also with {@code Mul(x, 1/√2)} and with the 0.5
 * applied to x first), and replaces the nodes by one {@code Gelu} node (the opset-20 op). The IR has
 * {@code gelu} but no {@code erf}; an Erf outside this pattern is reported by the importer.
 */
final class GeluPatternFusion {
    private static final double TOLERANCE = 1e-6;

    private final List<NodeProto> nodes;
    private final Function<String, Double> scalarConstant;
    private final Set<String> graphOutputs;
    private final Map<String, NodeProto> producer = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();

    /**
     * @param scalarConstant the value of a one-element constant (initializer or Constant node) by name,
     *                       null when the name is not such a constant
     */
    GeluPatternFusion(List<NodeProto> nodes, Function<String, Double> scalarConstant, Set<String> graphOutputs) {
        this.nodes = nodes;
        this.scalarConstant = scalarConstant;
        this.graphOutputs = graphOutputs;
        for (NodeProto n : nodes) {
            for (String o : n.getOutputList()) producer.put(o, n);
            for (String i : n.getInputList()) consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
        }
    }

    /** The node list with every matched pattern replaced by a Gelu node at the position of its last node. */
    List<NodeProto> apply() {
        Set<NodeProto> removed = new HashSet<>();
        Map<NodeProto, NodeProto> replacementAt = new HashMap<>();
        for (NodeProto erf : nodes) {
            if (!erf.getOpType().equals("Erf") || !isDefaultDomain(erf)) continue;
            Match match = match(erf);
            if (match == null || match.nodes().stream().anyMatch(removed::contains)) continue;
            removed.addAll(match.nodes());
            NodeProto last = match.nodes().get(match.nodes().size() - 1);
            String x = match.x();
            NodeProto gelu = NodeProto.newBuilder()
                    .setName(erf.getName().isEmpty() ? last.getOutput(0) + "/Gelu" : erf.getName().replaceAll("Erf(_\\d+)?$", "Gelu$1"))
                    .setOpType("Gelu")
                    .addInput(x)
                    .addOutput(last.getOutput(0))
                    .build();
            replacementAt.put(last, gelu);
        }
        if (removed.isEmpty()) return nodes;
        List<NodeProto> out = new ArrayList<>(nodes.size());
        for (NodeProto n : nodes) {
            NodeProto r = replacementAt.get(n);
            if (r != null) out.add(r);
            else if (!removed.contains(n)) out.add(n);
        }
        return out;
    }

    /** The pattern's nodes, the last one computing the GELU, and its input x. */
    private record Match(List<NodeProto> nodes, String x) {}

    private Match match(NodeProto erf) {
        if (erf.getInputCount() != 1 || erf.getOutputCount() != 1) return null; // malformed: left to the importer's checks
        NodeProto scale = producer.get(erf.getInput(0));
        if (scale == null || !isDefaultDomain(scale) || scale.getInputCount() != 2 || !soleUse(scale.getOutput(0), erf)) return null;
        String x;
        if (scale.getOpType().equals("Div") && near(scalarConstant.apply(scale.getInput(1)), Math.sqrt(2))) {
            x = scale.getInput(0);
        } else if (scale.getOpType().equals("Mul")) {
            x = otherOperand(scale, 1 / Math.sqrt(2));
            if (x == null) return null;
        } else {
            return null;
        }
        NodeProto add = soleConsumer(erf.getOutput(0), "Add");
        if (add == null || !erf.getOutput(0).equals(otherOperand(add, 1.0))) return null;
        NodeProto mul = soleConsumer(add.getOutput(0), "Mul");
        if (mul == null || mul.getInputCount() != 2) return null;
        String other = mul.getInput(0).equals(add.getOutput(0)) ? mul.getInput(1) : mul.getInput(0);
        if (other.equals(x)) {
            // x * (1 + erf) then * 0.5
            NodeProto half = soleConsumer(mul.getOutput(0), "Mul");
            if (half == null || otherOperand(half, 0.5) == null) return null;
            return new Match(List.of(scale, erf, add, mul, half), x);
        }
        // (x * 0.5) * (1 + erf)
        NodeProto halfX = producer.get(other);
        if (halfX == null || !halfX.getOpType().equals("Mul") || !soleUse(other, mul)) return null;
        String hx = otherOperand(halfX, 0.5);
        if (hx == null || !hx.equals(x)) return null;
        return new Match(List.of(scale, erf, add, halfX, mul), x);
    }

    /** For a binary node with one operand a scalar constant ≈ {@code value}: the other operand, else null. */
    private String otherOperand(NodeProto n, double value) {
        if (n.getInputCount() != 2) return null;
        if (near(scalarConstant.apply(n.getInput(1)), value)) return n.getInput(0);
        if (near(scalarConstant.apply(n.getInput(0)), value)) return n.getInput(1);
        return null;
    }

    private NodeProto soleConsumer(String value, String opType) {
        List<NodeProto> c = consumers.getOrDefault(value, List.of());
        if (c.size() != 1 || graphOutputs.contains(value)) return null;
        NodeProto n = c.get(0);
        return n.getOpType().equals(opType) && isDefaultDomain(n) && n.getOutputCount() == 1 ? n : null;
    }

    private boolean soleUse(String value, NodeProto user) {
        List<NodeProto> c = consumers.getOrDefault(value, List.of());
        return c.size() == 1 && c.get(0) == user && !graphOutputs.contains(value);
    }

    private static boolean near(Double v, double expected) {
        return v != null && Math.abs(v - expected) <= TOLERANCE * Math.max(1, Math.abs(expected));
    }

    private static boolean isDefaultDomain(NodeProto n) {
        return n.getDomain().isEmpty() || n.getDomain().equals("ai.onnx");
    }
}

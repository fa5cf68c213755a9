package dev.htdemucs.validation;

import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.report.LayerDivergence;
import dev.htdemucs.report.LayerOrder;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LayerNodes;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code validate --layers}: where fp16 error comes in. The encoder, transformer and decoder outputs of the
 * inner graph are made graph outputs ({@code expose-nodes}); that graph runs on the reference runtime in
 * fp32, and once per precision with that precision's plan on the runtime given, and each layer's activation
 * is compared with its fp32 value.
 *
 * <p>Each plan is realised as casts ({@link PrecisionCasts}) first. {@code validate} gives {@code coreml-reference},
 * whose {@code open(graph)} converts the graph into a package and runs what the package holds, fp16 rounding
 * included, so the layers diverge as the converted model does. (The reference runtime on the graph with its
 * casts rounds only at op boundaries of the unlowered graph: on tiny6 it differs from the package's result by
 * about 70 dB SNR, as much as fp16 error itself, and cannot tell fp16 from mixed.) Without the coreml plugins
 * it falls back to the reference runtime.
 *
 * <p>Layers, in network order ({@link LayerOrder#htdemucs}): {@code encoderI, tencoderI} (nodes
 * {@code encoder.I}, {@code tencoder.I}), {@code transformer} (both outputs of the cross-transformer,
 * {@code crosstransformer.from_sequence} and {@code crosstransformer.from_sequence_t}, as one activation),
 * {@code decoderI, tdecoderI}. Layers the graph does not have are left out.
 */
final class LayerComparison {
    static final String TRANSFORMER = "transformer";
    static final List<String> TRANSFORMER_NODES =
            List.of("crosstransformer.from_sequence", "crosstransformer.from_sequence_t");

    private LayerComparison() {}

    /** Layer name → the nodes whose outputs make up its activation, for the layers {@code graph} has. */
    static Map<String, List<String>> layers(LoadedModel model) {
        Set<String> nodes = new HashSet<>();
        for (Node n : model.graph().nodes()) nodes.add(n.name());
        int depth = 0;
        while (nodes.contains(LayerNodes.outputNode("encoder" + depth))) depth++;
        Map<String, List<String>> layers = new LinkedHashMap<>();
        if (depth == 0) return layers;
        for (String layer : LayerOrder.htdemucs(depth)) {
            List<String> parts = layer.equals(TRANSFORMER) ? TRANSFORMER_NODES
                    : List.of(LayerNodes.outputNode(layer));
            if (nodes.containsAll(parts)) layers.put(layer, parts);
        }
        return layers;
    }

    /**
     * One divergence series per plan that has fp16 ops, labelled {@code <runtime> <precision>}.
     *
     * @param reference runs the fp32 baseline (without a plan)
     * @param runtime   runs each plan
     * @param plans     precision name → its plan for {@code inner}'s nodes (node names survive expose-nodes)
     * @param inputs    the inner network's inputs (mix, spec) of one segment
     */
    static List<LayerDivergence> compare(Plugins plugins, ModelRuntime reference, ModelRuntime runtime, LoadedModel inner,
                                         Map<String, PrecisionPlan> plans, Map<String, Tensor> inputs,
                                         Options runtimeOptions, Consumer<String> progress) throws PluginException {
        Map<String, List<String>> layers = layers(inner);
        if (layers.isEmpty()) return List.of();
        List<String> exposedNodes = new ArrayList<>();
        layers.values().forEach(exposedNodes::addAll);
        LoadedModel exposed = plugins.get(GraphPass.class, "expose-nodes")
                .apply(inner, Options.of("nodes", String.join(",", exposedNodes)));
        List<String> graphOutputs = List.copyOf(exposed.graph().outputs().keySet());

        progress.accept("layers: " + reference.name() + " fp32");
        Map<String, float[]> fp32 = activations(reference.open(exposed.graph(), runtimeOptions), graphOutputs,
                inputs, layers);
        List<LayerDivergence> series = new ArrayList<>();
        for (Map.Entry<String, PrecisionPlan> plan : plans.entrySet()) {
            if (plan.getValue().count(exposed.graph()).getOrDefault(Precision.FP16, 0) == 0) continue;
            String label = runtime.name() + " " + plan.getKey();
            progress.accept("layers: " + label);
            Map<String, float[]> test = activations(runtime.open(PrecisionCasts.apply(exposed.graph(), plan.getValue()), runtimeOptions),
                    graphOutputs, inputs, layers);
            LayerDivergence.Builder b = LayerDivergence.builder(label);
            for (String layer : layers.keySet()) b.layer(layer, fp32.get(layer), test.get(layer));
            series.add(b.build());
        }
        return series;
    }

    /**
     * Each layer's activation from one run. A runtime may rename outputs (a Core ML package cannot call one
     * {@code encoder.0}); it keeps their order, so a name it does not know is looked up by its position.
     */
    private static Map<String, float[]> activations(Session session, List<String> graphOutputs,
                                                    Map<String, Tensor> inputs, Map<String, List<String>> layers)
            throws PluginException {
        try (session) {
            List<String> sessionOutputs = List.copyOf(session.outputTypes().keySet());
            if (sessionOutputs.size() != graphOutputs.size()) {
                throw new PluginException("layer comparison: the graph has outputs " + graphOutputs
                        + " but the session " + sessionOutputs);
            }
            Map<String, Tensor> out = session.run(inputs);
            Map<String, float[]> byLayer = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> layer : layers.entrySet()) {
                List<float[]> parts = new ArrayList<>();
                int total = 0;
                for (String node : layer.getValue()) {
                    String name = out.containsKey(node) ? node : sessionOutputs.get(graphOutputs.indexOf(node));
                    float[] part = out.get(name).toFloatArray();
                    parts.add(part);
                    total += part.length;
                }
                float[] joined = new float[total];
                int at = 0;
                for (float[] part : parts) {
                    System.arraycopy(part, 0, joined, at, part.length);
                    at += part.length;
                }
                byLayer.put(layer.getKey(), joined);
            }
            return byLayer;
        }
    }
}

package dev.htdemucs.passes;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.htdemucs.spi.InnerNetworkNames.MIX;
import static dev.htdemucs.spi.InnerNetworkNames.SPEC;
import static dev.htdemucs.spi.InnerNetworkNames.SPEC_OUT;
import static dev.htdemucs.spi.InnerNetworkNames.WAVE_OUT;

/**
 * Surgery: cuts a full separation graph ({@code mix → stft → network → istft + wave → output}) at its
 * host-side boundary ops, leaving the inner network with inputs {@code mix [1, C, L]} and
 * {@code spec [1, 2C, F, T]} (what the stft produced) and outputs {@code spec_out} (what the istft consumed)
 * and {@code wave_out} (the other operand of the add that sums the istft result into the output).
 * The boundary ops and anything only they needed are dropped. A graph that is already inner passes through.
 */
public final class ExtractInnerPass implements GraphPass {
    public static final String NAME = "extract-inner";

    @Override public String name() { return NAME; }

    @Override public String description() {
        return "cut a full graph at its stft/istft boundary: inputs mix, spec; outputs spec_out, wave_out";
    }

    @Override
    public LoadedModel apply(LoadedModel model, Options options) throws PluginException {
        Graph graph = model.graph();
        List<Node> stfts = graph.nodes().stream().filter(n -> n.op().equals("stft")).toList();
        List<Node> istfts = graph.nodes().stream().filter(n -> n.op().equals("istft")).toList();
        if (stfts.isEmpty() && istfts.isEmpty()) {
            if (isInner(graph)) return model;
            throw new PluginException(NAME + ": graph " + graph.name() + " has neither stft nor istft ops and is not an "
                    + "inner graph: inputs " + graph.inputNames() + ", outputs " + graph.outputs().keySet()
                    + "; expected a full graph (mix → stft → ... → istft + wave → output) or inputs [mix, spec] and outputs [spec_out, wave_out]");
        }
        if (stfts.size() != 1 || istfts.size() != 1) {
            throw new PluginException(NAME + ": graph " + graph.name() + " has " + stfts.size() + " stft and " + istfts.size()
                    + " istft nodes " + names(stfts) + names(istfts) + "; expected exactly one of each");
        }
        Node stft = stfts.get(0), istft = istfts.get(0);
        Value mix = stft.input(0);
        if (!mix.isGraphInput()) {
            throw new PluginException(NAME + ": stft node " + stft.name() + " reads %" + mix.name()
                    + ", computed by node " + mix.producer().name() + "; expected a graph input (the mix)");
        }
        Value specOut = istft.input(0);
        Value waveOut = waveOperand(graph, istft);

        GraphRewriter rw = new GraphRewriter(graph, graph.name());
        rw.input(MIX, mix);
        rw.input(SPEC, stft.output());
        List<Node> live = GraphRewriter.liveNodes(graph, List.of(specOut, waveOut), Set.of(stft.output()));
        for (Node n : live) {
            if (n == stft || n == istft) {
                throw new PluginException(NAME + ": the network between stft and istft depends on node " + n.name()
                        + " (" + n.op() + ") itself; cannot cut there");
            }
            for (Value in : n.inputs()) {
                if (in != null && in.isGraphInput() && in != mix) {
                    throw new PluginException(NAME + ": node " + n.name() + " reads graph input '" + in.name()
                            + "'; an inner graph may only read the mix and the spectrogram");
                }
            }
            rw.copy(n);
        }
        Map<String, Value> outputs = new LinkedHashMap<>();
        outputs.put(SPEC_OUT, specOut);
        outputs.put(WAVE_OUT, waveOut);
        return model.withGraph(rw.build(outputs));
    }

    /** The operand the istft result is added to: the time-branch output. */
    private static Value waveOperand(Graph graph, Node istft) throws PluginException {
        List<Node> users = graph.consumers().getOrDefault(istft.output(), List.of());
        if (users.size() != 1 || !users.get(0).op().equals("add")) {
            throw new PluginException(NAME + ": the istft result %" + istft.output().name() + " is used by "
                    + (users.isEmpty() ? "no node" : names(users)) + "; expected exactly one add (istft + wave)");
        }
        Node add = users.get(0);
        Value other = add.input(0) == istft.output() ? add.input(1) : add.input(0);
        if (other == istft.output()) {
            throw new PluginException(NAME + ": add node " + add.name() + " adds the istft result to itself");
        }
        if (!graph.outputs().containsValue(add.output())) {
            throw new PluginException(NAME + ": add node " + add.name() + " (istft + wave) is not a graph output; outputs: "
                    + graph.outputs().keySet());
        }
        if (!other.type().equals(add.output().type())) {
            throw new PluginException(NAME + ": add node " + add.name() + " broadcasts %" + other.name() + " " + other.type()
                    + " to " + add.output().type() + "; expected the wave output to have the output's shape");
        }
        return other;
    }

    private static boolean isInner(Graph graph) {
        return graph.inputNames().size() == 2 && graph.inputNames().containsAll(List.of(MIX, SPEC))
                && graph.outputs().size() == 2 && graph.outputs().containsKey(SPEC_OUT) && graph.outputs().containsKey(WAVE_OUT);
    }

    private static String names(List<Node> nodes) {
        return nodes.stream().map(n -> n.name() + " (" + n.op() + ")").toList().toString();
    }
}

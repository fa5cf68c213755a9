package dev.htdemucs.coreml;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;

import java.util.Map;

/**
 * What a host app does around the Core ML model, built from the full graph's own boundary ops: the stft
 * node turns mix into spec; the istft node turns spec_out into a waveform, to which wave_out is added.
 * Runs on the reference runtime.
 */
final class HostBoundary {
    private final Graph pre;
    private final Graph post;

    HostBoundary(Graph full) {
        Node stft = only(full, "stft"), istft = only(full, "istft");
        GraphBuilder p = new GraphBuilder("host_stft");
        p.output("spec", p.op("stft", "stft", stft.attributes(), p.input("mix", stft.input(0).type())));
        pre = p.build();
        GraphBuilder q = new GraphBuilder("host_istft");
        Value specOut = q.input("spec_out", istft.input(0).type());
        Value wave = q.input("wave_out", istft.output().type());
        q.output("output", q.op("add", "output", null, q.op("istft", "istft", istft.attributes(), specOut), wave));
        post = q.build();
    }

    private static Node only(Graph g, String op) {
        return g.nodes().stream().filter(n -> n.op().equals(op)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("graph " + g.name() + " has no " + op + " node"));
    }

    Tensor spec(Tensor mix) throws PluginException {
        return TestSupport.runReference(pre, PrecisionPlan.uniform(Precision.FP32), Map.of("mix", mix)).get("spec");
    }

    Tensor output(Map<String, Tensor> inner) throws PluginException {
        return TestSupport.runReference(post, PrecisionPlan.uniform(Precision.FP32),
                Map.of("spec_out", inner.get("spec_out"), "wave_out", inner.get("wave_out"))).get("output");
    }
}

package dev.htdemucs.examples;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.Node;
import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fold-layer-scale on the tiny6 inner network: which LayerScales fold, the op histograms before and after,
 * and that the folded network computes the same numbers on the reference runtime — max |after - before|
 * <= {@value #MAX_ABS_RELATIVE_TO_PEAK} x peak, the size of float32 re-association through the network
 * (folding rounds each scaled weight once where the mul rounded each activation).
 */
class Tiny6FoldLayerScaleTest {
    static final double MAX_ABS_RELATIVE_TO_PEAK = 1e-5;
    /** HTDemucs' LayerScale modules: transformer gamma_1/gamma_2, and DConv's 7th sub-module (index 6). */
    private static final Pattern TRANSFORMER_LAYER_SCALE = Pattern.compile("crosstransformer\\.layers(_t)?\\.\\d+\\.gamma_[12]");
    private static final Pattern DCONV_LAYER_SCALE = Pattern.compile(".*\\.dconv\\.layers\\.\\d+\\.6");

    private static Graph before;
    private static FoldLayerScalePass.Result folding;

    @BeforeAll
    static void fold() throws PluginException {
        LoadedModel inner = Tiny6.inner();
        before = inner.graph();
        folding = FoldLayerScalePass.foldAll(before);
        new GraphValidator().validate(folding.graph());
    }

    @Test
    void transformerLayerScalesFoldAndDConvOnesDoNot() {
        List<String> transformer = layerScaleMuls(before, TRANSFORMER_LAYER_SCALE);
        List<String> dconv = layerScaleMuls(before, DCONV_LAYER_SCALE);
        int tLayers = Tiny6.golden().meta().get("kwargs").get("t_layers").asInt();
        List<String> folded = folding.folds().stream().map(FoldLayerScalePass.Fold::mulName).toList();
        System.out.printf("tiny6 LayerScale muls: %d (%d cross-transformer, %d DConv); folded %d: %s%n",
                transformer.size() + dconv.size(), transformer.size(), dconv.size(), folded.size(), folding.folds());
        // two branches (layers, layers_t), each layer has gamma_1 and gamma_2
        assertEquals(2 * 2 * tLayers, transformer.size(), "cross-transformer LayerScale muls: " + transformer);
        assertEquals(transformer, folded, "exactly the cross-transformer LayerScales fold (DConv's follow a glu)");
        assertTrue(!dconv.isEmpty(), "tiny6 has DConv LayerScales (dconv_mode 3)");
        assertEquals(dconv, layerScaleMuls(folding.graph(), DCONV_LAYER_SCALE), "DConv LayerScales stay");
        for (FoldLayerScalePass.Fold f : folding.folds()) {
            String expectedProducer = f.mulName().endsWith("gamma_2") ? ".linear2" : "_attn.out_proj";
            assertTrue(f.producerName().endsWith(expectedProducer), f + " should fold into *" + expectedProducer);
        }
    }

    @Test
    void opHistogramLosesOneMulAndOneConstantPerFold() {
        Map<String, Integer> ops0 = before.opHistogram(), ops1 = folding.graph().opHistogram();
        printHistograms(ops0, ops1);
        int n = folding.folds().size();
        Map<String, Integer> expected = new TreeMap<>(ops0);
        expected.merge("mul", -n, Integer::sum);
        expected.merge("const", -n, Integer::sum);
        assertEquals(expected, ops1);
        assertEquals(before.nodes().size() - 2 * n, folding.graph().nodes().size());
        long scaleParams = 0;
        for (Node node : before.nodes()) {
            if (node.op().equals("mul") && TRANSFORMER_LAYER_SCALE.matcher(node.name()).matches()) {
                for (var in : node.inputs()) if (in.isConstant()) scaleParams += in.type().numel();
            }
        }
        assertEquals(before.constantElementCount() - scaleParams, folding.graph().constantElementCount(),
                "only the LayerScale vectors disappear from the constants");
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void foldedNetworkComputesTheSameOutputs(String goldenCase) throws PluginException {
        var feed = Tiny6.inputs(goldenCase);
        Map<String, NpyArray> out0 = Tiny6.run(before, null, feed);
        Map<String, NpyArray> out1 = Tiny6.run(folding.graph(), null, feed);
        for (String output : List.of("spec_out", "wave_out")) {
            Comparison c = Tiny6.compare(out0.get(output), out1.get(output));
            Comparison golden = Tiny6.compare(Tiny6.golden().npy(goldenCase + "/" + output + ".npy"), out1.get(output));
            System.out.printf("tiny6 %s %s folded vs unfolded: %s; folded vs PyTorch golden: %s%n", goldenCase, output, c, golden);
            assertTrue(c.maxAbs() <= MAX_ABS_RELATIVE_TO_PEAK * c.peak(), goldenCase + " " + output + ": folding changed the output by "
                    + c.maxAbs() + " > " + MAX_ABS_RELATIVE_TO_PEAK + " x peak " + c.peak() + " (" + c + ")");
        }
    }

    private static List<String> layerScaleMuls(Graph g, Pattern names) {
        return g.nodes().stream().filter(n -> n.op().equals("mul") && names.matcher(n.name()).matches()).map(Node::name).toList();
    }

    static void printHistograms(Map<String, Integer> before, Map<String, Integer> after) {
        System.out.println("tiny6 inner ops before/after fold-layer-scale:");
        Map<String, Integer> all = new TreeMap<>(before);
        after.keySet().forEach(k -> all.putIfAbsent(k, 0));
        int total0 = 0, total1 = 0;
        for (String op : all.keySet()) {
            int a = before.getOrDefault(op, 0), b = after.getOrDefault(op, 0);
            total0 += a;
            total1 += b;
            System.out.printf("  %-16s %5d -> %5d%s%n", op, a, b, a == b ? "" : "  (" + (b - a) + ")");
        }
        System.out.printf("  %-16s %5d -> %5d%n", "total", total0, total1);
    }
}

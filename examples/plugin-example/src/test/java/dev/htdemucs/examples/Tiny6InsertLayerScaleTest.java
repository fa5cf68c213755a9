package dev.htdemucs.examples;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.Node;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * insert-layer-scale on the tiny6 inner network: exactly DConv's LayerScale muls become layer_scale, and the
 * network computes the same outputs on the reference runtime to the last bit (tolerance 0: the layer_scale
 * kernel computes the same float32 products as the mul kernel).
 */
class Tiny6InsertLayerScaleTest {
    private static final Pattern DCONV_LAYER_SCALE = Pattern.compile(".*\\.dconv\\.layers\\.\\d+\\.6");
    private static Graph before, after;

    @BeforeAll
    static void insert() throws PluginException {
        before = Tiny6.inner().graph();
        after = InsertLayerScalePass.insert(before);
        new GraphValidator().validate(after);
    }

    @Test
    void everyDConvLayerScaleAndNothingElseBecomesTheOp() {
        List<String> dconv = before.nodes().stream().filter(n -> n.op().equals("mul") && DCONV_LAYER_SCALE.matcher(n.name()).matches())
                .map(Node::name).toList();
        List<String> replaced = after.nodes().stream().filter(n -> n.op().equals(LayerScale.NAME)).map(Node::name).toList();
        System.out.printf("tiny6: %d DConv LayerScale muls, %d layer_scale ops after insert-layer-scale%n", dconv.size(), replaced.size());
        assertEquals(32, dconv.size(), "tiny6: 4 encoder + 4 decoder layers per branch, 2 DConv layers each");
        assertEquals(dconv, replaced);
        Map<String, Integer> expected = new TreeMap<>(before.opHistogram());
        expected.merge("mul", -dconv.size(), Integer::sum);
        expected.put(LayerScale.NAME, dconv.size());
        assertEquals(expected, after.opHistogram(), "one layer_scale per mul; the constants stay (reshaped to [C])");
    }

    @ParameterizedTest
    @ValueSource(strings = {"white_noise", "synth_song"})
    void theNetworkComputesTheSameBits(String goldenCase) throws PluginException {
        var feed = Tiny6.inputs(goldenCase);
        Map<String, NpyArray> out0 = Tiny6.run(before, null, feed), out1 = Tiny6.run(after, null, feed);
        for (String output : List.of("spec_out", "wave_out")) {
            Comparison c = Tiny6.compare(out0.get(output), out1.get(output));
            System.out.printf("tiny6 %s %s with layer_scale vs without: %s%n", goldenCase, output, c);
            assertEquals(0.0, c.maxAbs(), goldenCase + " " + output + ": " + c);
        }
    }
}

package dev.htdemucs.coreml;

import dev.htdemucs.precision.ConstantSubgraph;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ops computed from constants alone stay fp32 under the fp16 and mixed selectors and under a uniform fp16 plan
 * (what any plugin selector could ask for):
 * a sinusoidal embedding {@code x + cat[cos(pos / period), sin(pos / period)]} whose phases reach 1343 rad.
 * Stated up front: the fp16 package (run with fp16 rounding) is within 0.01 (absolute) of the fp32 result,
 * three fp16 roundings of values below 8; with the phases computed in fp16 (step 0.25 at 270 / 3.7) the sines
 * alone would be off by 0.105.
 */
class ConstantSubgraphPrecisionTest {
    static final double FP16_ABS_TOLERANCE = 0.01;
    static final int POSITIONS = 6, HALF = 4;
    static final float[] PERIODS = {1f, 3.7f, 41f, 1000f};

    static Graph embeddingGraph() {
        GraphBuilder b = new GraphBuilder("embedding");
        Value x = b.input("x", TestSupport.f32(1, POSITIONS, 2 * HALF));
        float[] pos = new float[POSITIONS];
        for (int t = 0; t < POSITIONS; t++) pos[t] = Math.min(1343f, t * 270f);
        Value positions = b.constant("positions", Tensor.ofFloats(new int[]{1, POSITIONS, 1}, pos));
        Value periods = b.constant("periods", Tensor.ofFloats(new int[]{1, 1, HALF}, PERIODS));
        Value phase = b.op("div", "phase", null, positions, periods);
        Value emb = b.op("concat", "emb", Attributes.of("axis", -1),
                b.op("cos", "cos", null, phase), b.op("sin", "sin", null, phase));
        b.output("out", b.op("add", "add", null, x, emb));
        return b.build();
    }

    @Test
    void constantSubgraphIsEveryOpFedOnlyByConstants() {
        Set<String> names = ConstantSubgraph.nodes(embeddingGraph()).stream().map(Node::name).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(List.of("phase", "cos", "sin", "emb")), names);
    }

    @Test
    void everySelectorKeepsTheEmbeddingInFp32(@TempDir Path dir) throws Exception {
        Graph g = embeddingGraph();
        Map<String, Tensor> in = TestSupport.inputs(g, 17, false);
        Tensor exact = TestSupport.runReference(g, PrecisionPlan.uniform(Precision.FP32), in).get("out");
        for (String name : List.of("fp16", "mixed")) {
            PrecisionSelector selector = TestSupport.plugins().get(PrecisionSelector.class, name);
            PrecisionPlan plan = selector.select(new LoadedModel(g, TestSupport.NO_METADATA), Options.NONE);
            check(name, g, plan, dir.resolve(name + ".mlpackage"), in, exact);
        }
        // what any plugin selector could ask for: fp16 everywhere
        check("uniform fp16 plan", g, PrecisionPlan.uniform(Precision.FP16), dir.resolve("uniform.mlpackage"), in, exact);
    }

    private static void check(String what, Graph g, PrecisionPlan plan, Path pkg, Map<String, Tensor> in, Tensor exact) throws Exception {
        TestSupport.emit(g, plan, pkg, Options.NONE);
        List<Mil.Operation> ops = PrecisionCastsTest.ops(pkg);
        for (String type : List.of("real_div", "cos", "sin", "concat")) {
            Mil.Operation op = ops.stream().filter(o -> o.getType().equals(type)).findFirst()
                    .orElseThrow(() -> new AssertionError(what + ": no MIL " + type + " in\n" + PrecisionCastsTest.describe(ops)));
            assertEquals(Mil.DataType.FLOAT32, op.getOutputs(0).getType().getTensorType().getDataType(),
                    what + ": " + type + " computes in fp32\n" + PrecisionCastsTest.describe(ops));
        }
        Mil.Operation add = ops.stream().filter(o -> o.getType().equals("add")).findFirst().orElseThrow();
        boolean addInFp16 = add.getOutputs(0).getType().getTensorType().getDataType() == Mil.DataType.FLOAT16;
        if (what.equals("fp16") || what.startsWith("uniform")) assertTrue(addInFp16, what + ": the add still computes in fp16");
        float[] e = exact.toFloatArray(), a = TestSupport.runPackage(pkg, in).get("out").toFloatArray();
        double worst = 0;
        for (int i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(e[i] - a[i]));
        System.out.printf("constant subgraph, %-18s add in %s, max |error| %.2e%n", what, addInFp16 ? "fp16" : "fp32", worst);
        assertTrue(worst <= FP16_ABS_TOLERANCE, what + ": max |error| " + worst + " > " + FP16_ABS_TOLERANCE);
        if (!addInFp16) assertFalse(worst > 1e-6, what + ": fp32 add must match the fp32 graph, error " + worst);
    }
}

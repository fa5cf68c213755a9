package dev.htdemucs.coreml;

import dev.htdemucs.coreml.mil.MilNames;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.coreml.read.MLPackageLoader;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.spi.Session;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.ModelRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plugin registration, what the reader recovers, and its errors on packages it cannot read. */
class ReaderTest {
    static final PrecisionPlan FP32 = PrecisionPlan.uniform(Precision.FP32);

    @Test
    void pluginsAreRegistered() throws Exception {
        var plugins = TestSupport.plugins();
        assertInstanceOf(CoreMLEmitter.class, plugins.get(Emitter.class, "coreml"));
        assertEquals(".mlpackage", plugins.get(Emitter.class, "coreml").extension());
        assertInstanceOf(MLPackageLoader.class, plugins.get(ModelLoader.class, "mlpackage"));
        plugins.get(ModelRuntime.class, "coreml-reference");
        for (String p : new String[]{"fp32", "fp16", "mixed"}) plugins.get(PrecisionSelector.class, p);
    }

    @Test
    void loaderAndRuntimeAcceptPackagesOnly(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        var loader = TestSupport.plugins().get(ModelLoader.class, "mlpackage");
        assertTrue(loader.accepts(pkg));
        assertTrue(!loader.accepts(dir) && !loader.accepts(MLPackageLayout.model(pkg)));
        Graph g = loader.load(pkg, Options.NONE).graph();
        assertEquals(List.of("x"), g.inputNames());
        assertEquals(List.of("out", "diff"), List.copyOf(g.outputs().keySet()));
        assertTrue(TestSupport.plugins().get(ModelRuntime.class, "coreml-reference").accepts(pkg));
    }

    /** IR names that are not MIL identifiers are sanitised consistently for inputs, outputs and description. */
    @Test
    void namesAreSanitisedToMilIdentifiers(@TempDir Path dir) throws Exception {
        assertEquals("encoder_0_conv_weight", MilNames.sanitize("encoder.0.conv.weight"));
        assertEquals("_3d", MilNames.sanitize("3d"));
        assertEquals("add_1", MilNames.sanitize("add:1"));
        GraphBuilder b = new GraphBuilder("names");
        Value x = b.input("in.put", TestSupport.f32(2));
        b.output("out/put", b.op("relu", "layer.0:relu", null, x));
        Path pkg = dir.resolve("n.mlpackage");
        TestSupport.emit(b.build(), FP32, pkg, Options.NONE);
        Graph read = MLPackageReader.read(pkg).model().graph();
        assertEquals(List.of("in_put"), read.inputNames());
        assertEquals(List.of("out_put"), List.copyOf(read.outputs().keySet()));
    }

    static void rewrite(Path pkg, UnaryOperator<MlModel.Model> change) throws Exception {
        Path file = MLPackageLayout.model(pkg);
        MlModel.Model m;
        try (InputStream in = Files.newInputStream(file)) {
            m = MlModel.Model.parseFrom(in);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            change.apply(m).writeTo(out);
        }
    }

    static MlModel.Model mapOps(MlModel.Model m, UnaryOperator<Mil.Operation> f) {
        Mil.Function main = m.getMlProgram().getFunctionsMap().get("main");
        Mil.Block.Builder block = main.getBlockSpecializationsMap().get(main.getOpset()).toBuilder().clearOperations();
        for (Mil.Operation op : main.getBlockSpecializationsMap().get(main.getOpset()).getOperationsList()) block.addOperations(f.apply(op));
        Mil.Function f2 = main.toBuilder().putBlockSpecializations(main.getOpset(), block.build()).build();
        return m.toBuilder().setMlProgram(m.getMlProgram().toBuilder().putFunctions("main", f2)).build();
    }

    @Test
    void milOpWithoutIrEquivalentIsNamed(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        rewrite(pkg, m -> mapOps(m, op -> op.getType().equals("relu") ? op.toBuilder().setType("tanh").build() : op));
        PluginException e = assertThrows(PluginException.class, () -> MLPackageReader.read(pkg));
        assertTrue(e.getMessage().contains("MIL op tanh 'out' has no IR equivalent"), e.getMessage());
    }

    @Test
    void approximateGeluIsRefused(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        rewrite(pkg, m -> mapOps(m, op -> op.getType().equals("const") && op.getOutputs(0).getName().equals("gelu_mode")
                ? op.toBuilder().putAttributes("val", dev.htdemucs.coreml.mil.MilValues.string("TANH_APPROXIMATION")).build() : op));
        PluginException e = assertThrows(PluginException.class, () -> MLPackageReader.read(pkg));
        assertTrue(e.getMessage().contains("MIL op gelu 'gelu'") && e.getMessage().contains("TANH_APPROXIMATION"), e.getMessage());
    }

    @Test
    void badBlobReferenceNamesFileAndOffset(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        rewrite(pkg, m -> mapOps(m, op -> {
            if (!op.getType().equals("const") || !op.getAttributesMap().get("val").hasBlobFileValue()) return op;
            Mil.Value v = op.getAttributesMap().get("val");
            return op.toBuilder().putAttributes("val", v.toBuilder().setBlobFileValue(v.getBlobFileValue().toBuilder()
                    .setOffset(v.getBlobFileValue().getOffset() + 64)).build()).build();
        }));
        PluginException e = assertThrows(PluginException.class, () -> MLPackageReader.read(pkg));
        assertTrue(e.getMessage().contains("weight.bin offset 128") && e.getMessage().contains("sentinel"), e.getMessage());
    }

    @Test
    void missingManifestIsReported(@TempDir Path dir) throws Exception {
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, pkg, Options.NONE);
        Files.delete(MLPackageLayout.manifest(pkg));
        PluginException e = assertThrows(PluginException.class, () -> MLPackageReader.read(pkg));
        assertTrue(e.getMessage().contains("Manifest.json is missing"), e.getMessage());
    }

    /** Given a graph, coreml-reference emits it and runs the package: the same results as the reference runtime. */
    @Test
    void runtimeRunsGraphsThroughAPackage() throws Exception {
        Graph g = OpCases.kitchenSink();
        var inputs = TestSupport.inputs(g, 11, false);
        var expected = TestSupport.runReference(g, FP32, inputs);
        try (var session = TestSupport.plugins().get(ModelRuntime.class, "coreml-reference").open(g, Options.of("threads", "1"))) {
            var actual = session.run(inputs);
            for (String out : g.outputs().keySet()) {
                assertTrue(TestSupport.relativeError(expected.get(out), actual.get(out)) <= 1e-6, out);
            }
        }
    }

    /** author, version and license come from the options, with defaults; the description names the I/O. */
    @Test
    void metadataOptionsAndDefaults(@TempDir Path dir) throws Exception {
        Path a = dir.resolve("a.mlpackage"), b = dir.resolve("b.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), FP32, a, Options.of("author", "Jane", "version", "2.1", "license", "CC-BY-4.0"));
        TestSupport.emit(OpCases.kitchenSink(), FP32, b, Options.of("target", "ios18"));
        var ma = MLPackageReader.read(a);
        assertEquals("Jane", ma.metadata().getAuthor());
        assertEquals("2.1", ma.metadata().getVersionString());
        assertEquals("CC-BY-4.0", ma.metadata().getLicense());
        assertEquals("fp32", ma.metadata().getUserDefinedMap().get(MetadataKeys.PRECISION));
        var mb = MLPackageReader.read(b);
        assertEquals(ModelDescriptions.DEFAULT_AUTHOR, mb.metadata().getAuthor());
        assertEquals(ModelDescriptions.DEFAULT_LICENSE, mb.metadata().getLicense());
        assertEquals(ConverterVersion.version(), mb.metadata().getVersionString());
        assertTrue(!ConverterVersion.version().equals("unknown"), "version filtered into the jar");
        assertEquals(9, mb.specificationVersion());
        assertEquals("CoreML8", mb.opset());
        assertEquals("Input float32[1,8,16]", mb.specification().getDescription().getInput(0).getShortDescription());
    }

    /**
     * coreml-reference on a graph writes a temporary package and runs it; the package is gone as soon as the
     * session is open (so a killed run leaves nothing), and the session still computes what the package on
     * disk computes.
     */
    @Test
    void aGraphSessionLeavesNoTemporaryPackageBehindWhileItRuns(@TempDir Path dir) throws Exception {
        Graph g = OpCases.kitchenSink();
        PrecisionPlan fp16 = PrecisionPlan.uniform(Precision.FP16);
        Map<String, Tensor> in = TestSupport.inputs(g, 7, false);
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(g, fp16, pkg, Options.NONE);
        Map<String, Tensor> fromDisk = TestSupport.runPackage(pkg, in);

        Set<String> before = temporaries();
        try (Session s = TestSupport.plugins().get(ModelRuntime.class, "coreml-reference").open(dev.htdemucs.precision.PrecisionCasts.apply(g, fp16), Options.NONE)) {
            assertEquals(before, temporaries(), "no htdemucs-coreml-* directory once the session is open");
            Map<String, Tensor> out = s.run(in);
            for (String name : fromDisk.keySet()) {
                assertArrayEquals(fromDisk.get(name).toFloatArray(), out.get(name).toFloatArray(), name);
            }
        }
        assertEquals(before, temporaries());
    }

    private static Set<String> temporaries() throws IOException {
        try (Stream<Path> list = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            Set<String> names = new TreeSet<>();
            list.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("htdemucs-coreml-")).forEach(names::add);
            return names;
        }
    }
}

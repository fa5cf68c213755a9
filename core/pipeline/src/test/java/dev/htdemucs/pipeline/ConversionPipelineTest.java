package dev.htdemucs.pipeline;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.ir.Node;
import dev.htdemucs.pipeline.ConversionListener.Stage;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The conversion pipeline on the bundled tiny6 model with the real plugins. */
class ConversionPipelineTest {
    private static final Path TINY6 = Golden.tiny6().file("model.th");

    @Test
    void convertsTiny6InFourStepsAndSaysSoAsItGoes(@TempDir Path dir) throws Exception {
        List<String> events = new ArrayList<>();
        Path out = dir.resolve("tiny6.mlpackage");
        ConversionResult r = ConversionPipeline.builder(Plugins.fromClassPath())
                .model(TINY6)
                .precision("fp32")
                .listener((stage, subject) -> events.add(stage + " " + subject))
                .build()
                .run(out);
        assertEquals(List.of("LOAD " + TINY6, "PASS extract-inner", "PRECISION fp32", "EMIT " + out), events);
        assertEquals(out, r.emitted().path());
        assertTrue(Files.isRegularFile(out.resolve("Data/com.apple.CoreML/model.mlmodel")));
        assertEquals("fp32", r.precision());
        assertEquals(List.of("extract-inner"), r.passes());
        assertEquals(0, r.plan().count(r.model().graph()).getOrDefault(Precision.FP16, 0));
        assertFalse(r.model().graph().nodes().stream().map(Node::op).anyMatch(op -> op.equals("stft")), "cut at the STFT");
        assertEquals(List.of(Stage.values()), r.seconds().keySet().stream().sorted().toList());
        assertTrue(r.totalSeconds() > 0);
    }

    @Test
    void anEmitterAddsThePassesItNeedsToAPipelineWithoutThem() throws PluginException {
        ConversionPipeline p = ConversionPipeline.builder(Plugins.fromClassPath()).model(TINY6)
                .passes(PassPipeline.EMPTY.append("lower-glu")).build();
        assertEquals(List.of("extract-inner", "lower-glu"), p.passes().passes());
        ConversionPipeline noEmitter = ConversionPipeline.builder(Plugins.fromClassPath()).model(TINY6)
                .passes(PassPipeline.EMPTY).emitter(null).precision(null).build();
        assertEquals(List.of(), noEmitter.passes().passes());
        assertNull(noEmitter.emitter());
        assertThrows(IllegalStateException.class, () -> noEmitter.precision(noEmitter.load()));
    }

    @Test
    void unknownPluginsFailBeforeTheModelIsRead() {
        Path missing = Path.of("no-such-model.th");
        PluginException emitter = assertThrows(PluginException.class,
                () -> ConversionPipeline.builder(Plugins.fromClassPath()).model(missing).emitter("tflite").build());
        assertTrue(emitter.getMessage().startsWith("no emitter plugin named 'tflite'; available: "), emitter.getMessage());
        PluginException selector = assertThrows(PluginException.class,
                () -> ConversionPipeline.builder(Plugins.fromClassPath()).model(missing).precision("fp8").build());
        assertTrue(selector.getMessage().startsWith("no precision plugin named 'fp8'"), selector.getMessage());
    }

    @Test
    void aSelectorsUncheckedErrorNamesTheModelFile() throws Exception {
        ConversionPipeline p = ConversionPipeline.builder(Plugins.fromClassPath()).model(TINY6).build();
        PrecisionSelector failing = new PrecisionSelector() {
            @Override public String name() { return "failing"; }
            @Override public String description() { return "fails on every graph"; }
            @Override public PrecisionPlan select(LoadedModel model, Options options) {
                throw new IllegalStateException("node x has no shape");
            }
        };
        LoadedModel inner = p.applyPasses(p.load());
        InputFileException e = assertThrows(InputFileException.class, () -> p.precision(inner, failing, Options.NONE));
        assertEquals(TINY6, e.file());
        assertEquals("node x has no shape", e.cause());
    }

    /** Running out of heap in auto is a heap problem, not a corrupt model: the error says how much to ask for. */
    @Test
    void runningOutOfHeapInTheSelectorSaysHowMuchHeapToAskFor() {
        String at3 = ConversionPipeline.selectorOutOfMemory("auto", 3L << 30);
        assertTrue(at3.contains("auto precision selector") && at3.contains("3.0 GB") && at3.contains("-Xmx8g")
                && at3.contains("--precision fp16"), at3);
        assertFalse(at3.contains("corrupt"), at3);
        String at8 = ConversionPipeline.selectorOutOfMemory("auto", 8L << 30);
        assertTrue(at8.contains("8.0 GB") && at8.contains("-Xmx16g"), at8);
    }
}

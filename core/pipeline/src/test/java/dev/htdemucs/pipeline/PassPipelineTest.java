package dev.htdemucs.pipeline;

import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pipelines as data: named starting points, edits that give new pipelines, checks against the pass plugins. */
class PassPipelineTest {

    @Test
    void theDefaultPipelineCutsTheGraphAtItsStftBoundary() {
        assertEquals(List.of("extract-inner"), PassPipeline.DEFAULT.passes());
        assertSame(PassPipeline.DEFAULT, PassPipeline.named("default"));
        assertEquals(List.of(), PassPipeline.named("empty").passes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PassPipeline.named("fast"));
        assertEquals("no pass pipeline named 'fast'; named: default, empty", e.getMessage());
    }

    @Test
    void plusAppendsMinusRemovesAndPlainNamesReplace() {
        assertSame(PassPipeline.DEFAULT, PassPipeline.DEFAULT.edit(null));
        assertSame(PassPipeline.DEFAULT, PassPipeline.DEFAULT.edit(List.of()));
        assertEquals(List.of("extract-inner", "lower-glu"), PassPipeline.DEFAULT.edit(List.of("+lower-glu")).passes());
        assertEquals(List.of("extract-inner"), PassPipeline.DEFAULT.edit(List.of("+extract-inner")).passes(), "no pass twice");
        assertEquals(List.of("lower-glu"), PassPipeline.DEFAULT.edit(List.of("+lower-glu", "-extract-inner")).passes());
        PassPipeline replaced = PassPipeline.DEFAULT.edit(List.of("lower-group-norm", "lower-glu"));
        assertEquals(List.of("lower-group-norm", "lower-glu"), replaced.passes());
        assertEquals("custom", replaced.name());
    }

    @Test
    void editsAreCheckedWithMessagesThatNameTheOption() {
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> PassPipeline.DEFAULT.edit(List.of("lower-glu", "+lower-group-norm")));
        assertEquals("--passes takes either a full list of names or +name/-name edits, not both: [lower-glu, +lower-group-norm]",
                mixed.getMessage());
        IllegalArgumentException absent = assertThrows(IllegalArgumentException.class,
                () -> PassPipeline.DEFAULT.edit(List.of("-lower-glu")));
        assertEquals("--passes -lower-glu: 'lower-glu' is not in the pipeline [extract-inner]", absent.getMessage());
    }

    @Test
    void pipelinesAreValuesEditsMakeNewOnes() {
        PassPipeline withGlu = PassPipeline.DEFAULT.append("lower-glu");
        assertEquals(List.of("extract-inner"), PassPipeline.DEFAULT.passes(), "DEFAULT unchanged");
        assertEquals(List.of("extract-inner"), withGlu.remove("lower-glu").passes());
        assertThrows(IllegalArgumentException.class, () -> PassPipeline.DEFAULT.remove("lower-glu"));
    }

    @Test
    void requiredPassesMissingFromThePipelineRunFirst() {
        assertSame(PassPipeline.DEFAULT, PassPipeline.DEFAULT.require(List.of("extract-inner")));
        assertEquals(List.of("extract-inner", "lower-glu"),
                PassPipeline.EMPTY.append("lower-glu").require(List.of("extract-inner")).passes());
    }

    @Test
    void optionsBelongToAPassOfThePipelineAndMustBeKeysItDeclares() throws PluginException {
        Plugins plugins = Plugins.fromClassPath();
        PassPipeline exposing = PassPipeline.DEFAULT.append("expose-nodes").setOptions("expose-nodes", Options.of("nodes", "encoder.0"));
        assertEquals("encoder.0", exposing.options("expose-nodes").get("nodes", null));
        assertEquals(Options.NONE, exposing.options("extract-inner"));
        List<GraphPass> resolved = exposing.resolve(plugins);
        assertEquals(List.of("extract-inner", "expose-nodes"), resolved.stream().map(GraphPass::name).toList());

        IllegalArgumentException notInPipeline = assertThrows(IllegalArgumentException.class,
                () -> PassPipeline.DEFAULT.setOptions("expose-nodes", Options.of("nodes", "x")));
        assertTrue(notInPipeline.getMessage().contains("not in the pipeline [extract-inner]"), notInPipeline.getMessage());

        PluginException misspelt = assertThrows(PluginException.class, () -> PassPipeline.DEFAULT.append("expose-nodes")
                .setOptions("expose-nodes", Options.of("node", "encoder.0")).resolve(plugins));
        assertEquals("pass expose-nodes has no option 'node'; its options: nodes", misspelt.getMessage());
        PluginException none = assertThrows(PluginException.class, () -> PassPipeline.DEFAULT
                .setOptions("extract-inner", Options.of("depth", "1")).resolve(plugins));
        assertEquals("pass extract-inner has no option 'depth'; it takes none", none.getMessage());

        PluginException unknown = assertThrows(PluginException.class, () -> PassPipeline.DEFAULT.append("no-such-pass").resolve(plugins));
        assertTrue(unknown.getMessage().startsWith("no pass plugin named 'no-such-pass'; available: "), unknown.getMessage());
    }
}

package dev.htdemucs.pytorch.djl;

import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchScriptIoTest {
    private static final Path FILE = Path.of("m.pt");
    private static final Optional<TorchScriptSignature> INNER = Optional.of(new TorchScriptSignature(List.of("mix", "spec"), 2));

    @Test
    void namesComeFromTheSignatureAndCanonicalOutputNames() throws PluginException {
        TorchScriptIo io = TorchScriptIo.resolve(Options.NONE, INNER, FILE);
        assertEquals(List.of("mix", "spec"), io.inputs());
        assertEquals(List.of("spec_out", "wave_out"), io.outputs());
    }

    @Test
    void unknownSignatureDefaultsToTheInnerModel() throws PluginException {
        TorchScriptIo io = TorchScriptIo.resolve(Options.NONE, Optional.empty(), FILE);
        assertEquals(List.of("mix", "spec"), io.inputs());
        assertEquals(List.of("spec_out", "wave_out"), io.outputs());
    }

    @Test
    void outputNamesByCount() throws PluginException {
        assertEquals(List.of("output"), TorchScriptIo.resolve(Options.NONE,
                Optional.of(new TorchScriptSignature(List.of("mix"), 1)), FILE).outputs());
        assertEquals(List.of("output0", "output1", "output2"), TorchScriptIo.resolve(Options.NONE,
                Optional.of(new TorchScriptSignature(List.of("mix"), 3)), FILE).outputs());
    }

    @Test
    void optionsOverrideAndAreCheckedAgainstTheSignature() throws PluginException {
        TorchScriptIo io = TorchScriptIo.resolve(Options.of("inputs", " a , b", "outputs", "s,w"), INNER, FILE);
        assertEquals(List.of("a", "b"), io.inputs());
        assertEquals(List.of("s", "w"), io.outputs());
        PluginException e = assertThrows(PluginException.class,
                () -> TorchScriptIo.resolve(Options.of("outputs", "only"), INNER, FILE));
        assertTrue(e.getMessage().contains("returns 2"), e.getMessage());
    }

    @Test
    void badNameListsAreRefused() {
        PluginException empty = assertThrows(PluginException.class,
                () -> TorchScriptIo.resolve(Options.of("inputs", "mix,"), INNER, FILE));
        assertTrue(empty.getMessage().contains("comma-separated"), empty.getMessage());
        PluginException twice = assertThrows(PluginException.class,
                () -> TorchScriptIo.resolve(Options.of("inputs", "mix,mix"), INNER, FILE));
        assertTrue(twice.getMessage().contains("names a tensor twice"), twice.getMessage());
    }

    @Test
    void inputShapesAreParsedAndValidated() throws PluginException {
        TorchScriptIo io = TorchScriptIo.resolve(Options.of("input-shapes", "mix=1x2x22050, spec = 1x4x2048x22"), INNER, FILE);
        assertArrayEquals(new int[] {1, 2, 22050}, io.inputShapes().get("mix"));
        assertArrayEquals(new int[] {1, 4, 2048, 22}, io.inputShapes().get("spec"));
        PluginException unknown = assertThrows(PluginException.class,
                () -> TorchScriptIo.resolve(Options.of("input-shapes", "audio=1x2"), INNER, FILE));
        assertTrue(unknown.getMessage().contains("'audio'") && unknown.getMessage().contains("[mix, spec]"), unknown.getMessage());
        PluginException badDim = assertThrows(PluginException.class,
                () -> TorchScriptIo.resolve(Options.of("input-shapes", "mix=1x0x2"), INNER, FILE));
        assertTrue(badDim.getMessage().contains("dimension '0' of mix"), badDim.getMessage());
        PluginException noEquals = assertThrows(PluginException.class,
                () -> TorchScriptIo.resolve(Options.of("input-shapes", "1x2x3"), INNER, FILE));
        assertTrue(noEquals.getMessage().contains("expected name=d0xd1x..."), noEquals.getMessage());
    }
}

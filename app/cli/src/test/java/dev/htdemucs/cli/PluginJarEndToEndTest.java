package dev.htdemucs.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The example plugin jar (built by the reactor before this module) dropped into --plugin-path is listed
 * by `plugins` and changes what `convert` emits: fold-layer-scale removes the 8 cross-transformer
 * LayerScale muls of tiny6 (and their 8 scale consts), so 8 fewer fp16 ops, fp32 ops unchanged.
 */
class PluginJarEndToEndTest {
    private static final int TINY6_FOLDED_LAYER_SCALES = 8;

    private static Path pluginJar() throws IOException {
        Path target = Path.of("..", "..", "examples", "plugin-example", "target");
        if (!Files.isDirectory(target)) return null;
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("plugin-example-.*\\.jar")
                    && !p.getFileName().toString().contains("sources")).findFirst().orElse(null);
        }
    }

    /** A plugin directory under {@code tmp} holding the built example jar; skips the test when the jar is not built. */
    static Path pluginDir(Path tmp) throws IOException {
        Path jar = pluginJar();
        Assumptions.assumeTrue(jar != null,
                "skipped: examples/plugin-example/target/plugin-example-*.jar not built (run the reactor build)");
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Files.copy(jar, dir.resolve(jar.getFileName()));
        return dir;
    }

    @Test
    void pluginsListsTheExamplePlugins(@TempDir Path tmp) throws IOException {
        Path dir = pluginDir(tmp);
        CliRunner.Result r = CliRunner.run("plugins", "--plugin-path", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pass") && l.contains("fold-layer-scale")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("precision") && l.contains("keep-attention-fp32")), r.out());
        CliRunner.Result without = CliRunner.run("plugins");
        assertFalse(without.out().contains("fold-layer-scale"), "plugin visible without --plugin-path");
    }

    @Test
    void convertUsesThePluginSelectorAndPass(@TempDir Path tmp) throws IOException {
        Path dir = pluginDir(tmp);
        CliRunner.Result plain = CliRunner.run("convert", "--plugin-path", dir.toString(),
                "--precision", "keep-attention-fp32", "--out", tmp.resolve("plain.mlpackage").toString());
        assertEquals(0, plain.exitCode(), plain.err());
        CliRunner.Result folded = CliRunner.run("convert", "--plugin-path", dir.toString(),
                "--precision", "keep-attention-fp32", "--passes", "+fold-layer-scale",
                "--out", tmp.resolve("folded.mlpackage").toString());
        assertEquals(0, folded.exitCode(), folded.err());
        assertTrue(folded.err().contains("pass fold-layer-scale"), folded.err());
        assertTrue(plain.out().contains("precision: keep-attention-fp32"), plain.out());

        System.out.println("plugin convert without fold: " + summary(plain.out()));
        System.out.println("plugin convert with fold:    " + summary(folded.out()));
        assertEquals(opCount(plain.out(), "mul") - TINY6_FOLDED_LAYER_SCALES, opCount(folded.out(), "mul"));
        assertEquals(precisionCount(plain.out(), "fp16") - TINY6_FOLDED_LAYER_SCALES, precisionCount(folded.out(), "fp16"));
        assertEquals(precisionCount(plain.out(), "fp32"), precisionCount(folded.out(), "fp32"));
    }

    private static String summary(String out) {
        return out.lines().filter(l -> l.startsWith("precision:") || l.matches("\\s+(mul|const|cast)\\s+\\d+")).toList().toString();
    }

    static int opCount(String out, String op) {
        Matcher m = Pattern.compile("(?m)^\\s+" + op + "\\s+(\\d+)$").matcher(out);
        assertTrue(m.find(), "no '" + op + "' row in:\n" + out);
        return Integer.parseInt(m.group(1));
    }

    private static int precisionCount(String out, String precision) {
        Matcher m = Pattern.compile("(\\d+) " + precision + " ops").matcher(out);
        assertTrue(m.find(), "no '" + precision + " ops' in:\n" + out);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void unknownPassNamesTheAvailableOnes(@TempDir Path tmp) {
        CliRunner.Result r = CliRunner.run("convert", "--passes", "+no-such-pass", "--out", tmp.resolve("x.mlpackage").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: no pass plugin named 'no-such-pass'; available: "), r.err());
        assertFalse(Files.exists(tmp.resolve("x.mlpackage")));
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
    }
}

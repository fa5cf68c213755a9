package dev.htdemucs.examples;

import dev.htdemucs.passes.GraphRewriter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin as a user installs it: a jar of this module's classes and services files, dropped into a plugin
 * directory. (The test phase runs before packaging, so the test assembles that jar from target/classes.)
 */
class PluginJarTest {

    @Test
    void pluginsDiscoversBothPluginsFromTheDirectory(@TempDir Path dir) throws Exception {
        buildPluginJar(dir.resolve("plugin-example.jar"));
        Plugins plugins = Plugins.discover(List.of(dir));
        assertInstanceOf(FoldLayerScalePass.class, plugins.get(GraphPass.class, "fold-layer-scale"));
        assertInstanceOf(KeepAttentionFp32Selector.class, plugins.get(PrecisionSelector.class, "keep-attention-fp32"));
        assertTrue(plugins.all(GraphPass.class).size() > 1, "the built-in passes are still there: " + plugins.all(GraphPass.class));
    }

    /**
     * In this JVM the classes are on the class path anyway; a fresh JVM whose class path holds only the host's
     * jars (spi, passes) shows the jar alone provides them, and that it needs nothing else.
     */
    @Test
    void aHostWithOnlySpiAndPassesLoadsThePluginsFromTheJar(@TempDir Path dir) throws Exception {
        Path pluginDir = Files.createDirectory(dir.resolve("plugins"));
        Path jar = buildPluginJar(pluginDir.resolve("plugin-example.jar"));

        List<String> with = probe(pluginDir.toString());
        System.out.println("plugins seen by a host with --plugin-path " + pluginDir + ":\n  " + String.join("\n  ", with));
        assertTrue(with.contains("pass fold-layer-scale " + jar), with.toString());
        assertTrue(with.contains("precision keep-attention-fp32 " + jar), with.toString());
        assertTrue(with.stream().anyMatch(l -> l.startsWith("pass extract-inner ")), "host passes: " + with);

        List<String> without = probe();
        assertFalse(without.stream().anyMatch(l -> l.contains("fold-layer-scale") || l.contains("keep-attention-fp32")),
                "without the plugin directory the host must not see the plugins: " + without);
    }

    @Test
    void aMissingPluginDirectoryIsAClearError(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir");
        PluginException e = org.junit.jupiter.api.Assertions.assertThrows(PluginException.class, () -> Plugins.discover(List.of(missing)));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    /** A jar of target/classes: the plugin classes and META-INF/services, as maven-jar-plugin packages them. */
    static Path buildPluginJar(Path jar) throws IOException, URISyntaxException {
        Path classes = location(FoldLayerScalePass.class);
        assertTrue(Files.isDirectory(classes), "expected the plugin's classes directory, got " + classes);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().putValue("Manifest-Version", "1.0");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(out, manifest);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jos.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, jos);
                jos.closeEntry();
            }
        }
        return jar;
    }

    /** Runs {@link PluginProbe} in a new JVM with the host's class path (spi, passes) plus the probe itself. */
    private static List<String> probe(String... pluginDirs) throws Exception {
        String classPath = String.join(File.pathSeparator, location(Plugins.class).toString(),
                location(GraphRewriter.class).toString(), location(PluginProbe.class).toString());
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", classPath, PluginProbe.class.getName()));
        command.addAll(List.of(pluginDirs));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), "probe JVM failed:\n" + output);
        return output.lines().toList();
    }

    private static Path location(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}

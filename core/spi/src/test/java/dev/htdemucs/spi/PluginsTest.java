package dev.htdemucs.spi;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.ops.OpDef;
import dev.htdemucs.ir.ops.OpRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** Discovery of plugins and extensions (IR ops) from jars that the test compiles and packs itself. */
class PluginsTest {

    /** Compiles a PrecisionSelector named {@code pluginName} into {@code jar}, with its service file. */
    private static void buildPluginJar(Path work, Path jar, String className, String pluginName) throws IOException {
        buildJar(work, jar, className, PrecisionSelector.class, """
                package example;
                import dev.htdemucs.spi.*;
                public class %s implements PrecisionSelector {
                    public String name() { return "%s"; }
                    public String description() { return "test plugin %s"; }
                    public PrecisionPlan select(LoadedModel m, Options o) { return PrecisionPlan.uniform(Precision.FP32); }
                }
                """.formatted(className, pluginName, className));
    }

    /** Compiles an IR op {@code opName} (one input, output like it) into {@code jar}, with its service file. */
    private static void buildOpJar(Path work, Path jar, String className, String opName) throws IOException {
        buildJar(work, jar, className, OpDef.class, """
                package example;
                import dev.htdemucs.ir.*;
                import java.util.List;
                public class %s extends dev.htdemucs.ir.ops.OpDef {
                    public %s() { super("%s", List.of("x"), 1, List.of()); }
                    protected List<TensorType> infer(Node node) { return List.of(node.input(0).type()); }
                }
                """.formatted(className, className, opName));
    }

    /** Compiles {@code source} (class {@code example.<className>}) into {@code jar}, registered as a {@code service}. */
    private static void buildJar(Path work, Path jar, String className, Class<?> service, String source) throws IOException {
        Path src = work.resolve("src-" + className).resolve("example").resolve(className + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = work.resolve("classes-" + className);
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "tests need a JDK (javax.tools compiler)");
        int rc = javac.run(null, null, null, "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.toString());
        assertEquals(0, rc, "compiling the test plugin failed");
        Files.createDirectories(jar.getParent());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("example/" + className + ".class"));
            Files.copy(classes.resolve("example").resolve(className + ".class"), out);
            out.putNextEntry(new JarEntry("META-INF/services/" + service.getName()));
            out.write(("example." + className + "\n").getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
    }

    @Test
    void anOpInAJarIsKnownToTheOpsOfItsDiscoveryOnly(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("plugins");
        buildOpJar(tmp, dir.resolve("twice.jar"), "Twice", "twice");
        Plugins plugins = Plugins.discover(List.of(dir));
        OpRegistry ops = plugins.ops();
        assertEquals("example.Twice", ops.get("twice").getClass().getName());
        assertSame(ops.get("twice"), plugins.extensions(OpDef.class).get(0), "one instance per discovery");
        assertTrue(ops.all().keySet().containsAll(OpRegistry.standard().all().keySet()), "and the standard ops");
        assertTrue(Plugins.fromClassPath().ops().find("twice").isEmpty(), "not seen without the plugin directory");

        GraphBuilder b = new GraphBuilder("g", ops);
        Value x = b.input("x", TensorType.f32(2));
        Graph g = b.output("y", b.op("twice", "t", null, x)).build();
        assertSame(ops, g.ops(), "the graph carries the registry it was built with");
        assertEquals(List.of(), new GraphValidator().problems(g), "and is checked against it");
        IrException e = assertThrows(IrException.class, () -> new GraphBuilder("standard").op("twice", "t", null, x));
        assertTrue(e.getMessage().contains("unknown op 'twice'"), e.getMessage());
    }

    @Test
    void rejectsTwoOpsWithOneNameNamingBothClassesAndJars(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("plugins");
        buildOpJar(tmp, dir.resolve("a.jar"), "First", "same_op");
        buildOpJar(tmp, dir.resolve("b.jar"), "Second", "same_op");
        Plugins plugins = Plugins.discover(List.of(dir));
        PluginException e = assertThrows(PluginException.class, plugins::ops);
        assertTrue(e.getMessage().startsWith("two op definitions are named 'same_op': example.First ("), e.getMessage());
        assertTrue(e.getMessage().contains("a.jar") && e.getMessage().contains("example.Second") && e.getMessage().contains("b.jar"),
                e.getMessage());

        Path other = tmp.resolve("other");
        buildOpJar(tmp, other.resolve("mul.jar"), "MyMul", "mul");
        e = assertThrows(PluginException.class, () -> Plugins.discover(List.of(other)).ops());
        assertTrue(e.getMessage().contains("'mul': dev.htdemucs.ir.ops.Mul (") && e.getMessage().contains("example.MyMul (")
                && e.getMessage().contains("mul.jar"), "a plugin op cannot replace a standard one: " + e.getMessage());
    }

    @Test
    void findsPluginInJarDirectory(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("plugins");
        buildPluginJar(tmp, dir.resolve("keep-fp32.jar"), "KeepFp32", "keep-fp32");
        Plugins plugins = Plugins.discover(List.of(dir));
        PrecisionSelector p = plugins.get(PrecisionSelector.class, "keep-fp32");
        assertEquals("test plugin KeepFp32", p.description());
        assertTrue(plugins.all(PluginKind.PRECISION).containsKey("keep-fp32"));
        // and it works
        assertEquals(Precision.FP32, p.select(null, Options.NONE).fallback());
    }

    @Test
    void rejectsTwoPluginsWithOneName(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("plugins");
        buildPluginJar(tmp, dir.resolve("a.jar"), "First", "same-name");
        buildPluginJar(tmp, dir.resolve("b.jar"), "Second", "same-name");
        PluginException e = assertThrows(PluginException.class, () -> Plugins.discover(List.of(dir)));
        assertTrue(e.getMessage().contains("'same-name'"), e.getMessage());
        assertTrue(e.getMessage().contains("example.First") && e.getMessage().contains("example.Second"), e.getMessage());
        assertTrue(e.getMessage().contains("a.jar") && e.getMessage().contains("b.jar"), e.getMessage());
    }

    @Test
    void unknownNameListsTheAvailableOnes(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("plugins");
        buildPluginJar(tmp, dir.resolve("x.jar"), "Xp", "xp");
        Plugins plugins = Plugins.discover(List.of(dir));
        PluginException e = assertThrows(PluginException.class, () -> plugins.get(PrecisionSelector.class, "nope"));
        assertTrue(e.getMessage().contains("no precision plugin named 'nope'"), e.getMessage());
        assertTrue(e.getMessage().contains("xp"), e.getMessage());
    }

    @Test
    void missingPluginDirectoryIsAnError(@TempDir Path tmp) {
        PluginException e = assertThrows(PluginException.class, () -> Plugins.discover(List.of(tmp.resolve("absent"))));
        assertTrue(e.getMessage().contains("does not exist"));
    }

    @Test
    void optionsTypedGettersNameTheKey() {
        Options o = Options.of("threads", "two");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.getInt("threads", 1));
        assertTrue(e.getMessage().contains("threads"));
        assertEquals(3, o.getInt("absent", 3));
        try (OutputStream ignored = OutputStream.nullOutputStream()) {
            assertEquals("x", o.with("k", "x").get("k", null));
        } catch (IOException e2) {
            fail(e2);
        }
    }
}

package dev.htdemucs.runtime.reference;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Session;
import dev.htdemucs.spi.UsesPlugins;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs exactly what an .mlpackage holds, on the pure-Java reference runtime (plugin {@value #REFERENCE_RUNTIME}):
 * the {@link ModelLoader} named {@value #PACKAGE_LOADER} reads the package back into the IR as it is — fp16
 * constants, casts and fp16 ops — and the reference runtime runs that graph, rounding to fp16 where the package
 * stores fp16. Given an IR graph instead of a file, it first writes the package with the {@link Emitter} named
 * {@value #EMITTER} (to a temporary directory deleted when the session closes) — a test of the emitter as much
 * as of the model. The loader, emitter and runtime are those of the {@link Plugins} that discovered this runtime.
 */
public final class CoreMLReferenceRuntime implements ModelRuntime, UsesPlugins {
    /** The runtime that executes the graph read from the package. */
    public static final String REFERENCE_RUNTIME = "reference";
    /** The loader that reads a package into the IR. */
    public static final String PACKAGE_LOADER = "mlpackage";
    /** The emitter that writes a graph as a package. */
    public static final String EMITTER = "coreml";

    private Plugins plugins;

    @Override public synchronized void usePlugins(Plugins plugins) { this.plugins = plugins; }

    private synchronized Plugins plugins() throws PluginException {
        if (plugins == null) plugins = Plugins.fromClassPath();
        return plugins;
    }

    @Override public String name() { return "coreml-reference"; }

    @Override public String description() {
        return "runs an .mlpackage's program on the Java reference runtime, rounding to fp16 where the package computes in fp16";
    }

    @Override public boolean accepts(Path modelFile) {
        if (plugins == null) return false;
        try {
            return plugins.get(ModelLoader.class, PACKAGE_LOADER).accepts(modelFile);
        } catch (PluginException e) {
            return false;
        }
    }

    @Override public Session open(Path modelFile, Options options) throws PluginException {
        ModelLoader loader = plugins().get(ModelLoader.class, PACKAGE_LOADER);
        if (!loader.accepts(modelFile)) throw new PluginException(modelFile + " is not an .mlpackage (loader " + PACKAGE_LOADER + " does not accept it)");
        Graph graph = loader.load(modelFile, options).graph();
        return plugins().get(ModelRuntime.class, REFERENCE_RUNTIME).open(graph, options);
    }

    @Override public Session open(Graph graph, Options options) throws PluginException {
        Emitter emitter = plugins().get(Emitter.class, EMITTER);
        Path dir;
        try {
            dir = Files.createTempDirectory("htdemucs-coreml-");
        } catch (IOException e) {
            throw new PluginException("cannot create a temporary directory for the package: " + e.getMessage(), e);
        }
        Path pkg = dir.resolve(graph.name().replaceAll("[^A-Za-z0-9_.-]", "_") + ".mlpackage");
        try {
            ModelMetadata none = new ModelMetadata("unknown", List.of(), 0, 0, 0, 0, 0, Map.of());
            emitter.emit(new LoadedModel(graph, none), pkg, options);
            Session session = open(pkg, options);
            // the open session holds the constants in memory and weight.bin mapped: remove the package now, so
            // that a run killed later leaves nothing behind; where the file system refuses to delete a mapped
            // file, on close
            try {
                deleteTree(dir);
                return session;
            } catch (IOException stillInUse) {
                return new DeletingSession(session, dir);
            }
        } catch (PluginException | RuntimeException e) {
            deleteQuietly(dir, e);
            throw e;
        }
    }

    private static void deleteQuietly(Path dir, Exception cause) {
        try {
            deleteTree(dir);
        } catch (IOException suppressed) {
            cause.addSuppressed(suppressed);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** A session over a temporary package, deleted on close. */
    private record DeletingSession(Session inner, Path dir) implements Session {
        @Override public Map<String, TensorType> inputTypes() { return inner.inputTypes(); }
        @Override public Map<String, TensorType> outputTypes() { return inner.outputTypes(); }
        @Override public Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException { return inner.run(inputs); }

        @Override public void close() throws PluginException {
            try {
                inner.close();
            } finally {
                try {
                    deleteTree(dir);
                } catch (IOException e) {
                    throw new PluginException("cannot delete temporary package " + dir + ": " + e.getMessage(), e);
                }
            }
        }
    }
}

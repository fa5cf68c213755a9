package dev.htdemucs.cli;

import dev.htdemucs.pipeline.InputFileException;
import dev.htdemucs.pipeline.ModelFiles;
import dev.htdemucs.numerics.Npy;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.numerics.NpyFormatException;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.separation.InnerModels;
import dev.htdemucs.spi.AtomicFiles;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs a model on .npy inputs with one runtime and writes every graph output as DIR/<name>.npy.",
                "A checkpoint with a one-segment mix [1,C,L] writes output.npy [1,S,C,L]; with --inner (or an",
                "inner model file such as an exported .onnx) it takes mix and spec and writes spec_out.npy and",
                "wave_out.npy. Inputs are matched to the graph inputs in order.",
                "",
                "Example: htdemucs run --model model.th --runtime reference --inner --input mix.npy,spec.npy --out out/"})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Checkpoint (.th), .onnx, .pt or .mlpackage.")
    Path model;

    @Option(names = "--runtime", defaultValue = "reference", paramLabel = "NAME",
            description = "Runtime plugin (see 'htdemucs plugins'). Default: ${DEFAULT-VALUE}.")
    String runtime;

    @Option(names = "--input", required = true, split = ",", paramLabel = "FILE.npy", description = "Input tensors, comma separated, in graph input order.")
    List<Path> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if missing).")
    Path out;

    @Option(names = "--inner", description = "Cut the model to its inner network first (inputs mix, spec).")
    boolean inner;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        Plugins plugins = pluginOptions.plugins();
        ModelRuntime rt = plugins.get(ModelRuntime.class, runtime);
        long t0 = System.nanoTime();
        try (Session session = open(plugins, rt)) {
            Map<String, TensorType> wanted = session.inputTypes();
            if (wanted.size() != inputs.size()) {
                throw new PluginException("the model takes " + wanted.size() + " inputs " + wanted.keySet() + " but "
                        + inputs.size() + " were given");
            }
            Map<String, Tensor> feeds = new LinkedHashMap<>();
            int i = 0;
            for (var e : wanted.entrySet()) {
                Path file = inputs.get(i++);
                NpyArray a = readInput(file);
                if (!java.util.Arrays.equals(a.shape(), e.getValue().shape())) {
                    throw new InputFileException("input " + e.getKey() + " has shape " + java.util.Arrays.toString(a.shape())
                            + ", the model expects " + e.getValue(), file, null);
                }
                feeds.put(e.getKey(), Tensor.ofFloats(a.shape(), a.data()));
            }
            Map<String, Tensor> results = session.run(feeds);
            writeAtomically(results);
            PrintWriter pw = spec.commandLine().getOut();
            for (var e : results.entrySet()) pw.println("wrote " + out.resolve(e.getKey() + ".npy") + " " + e.getValue().type());
            pw.printf("%s on %s: %.2f s%n", runtime, model.getFileName(), (System.nanoTime() - t0) / 1e9);
            pw.flush();
        }
        return 0;
    }

    /** Reads one .npy input; a hostile header (absurd shape, bad dict) or a missing file is an error naming it. */
    static NpyArray readInput(Path file) throws InputFileException {
        if (Files.isDirectory(file)) throw new InputFileException("a directory, not a .npy file", file, null);
        try {
            return Npy.read(file);
        } catch (java.io.UncheckedIOException ex) {
            throw new InputFileException(ErrorReporter.message(ex.getCause()), file, ex);
        } catch (NpyFormatException | IllegalArgumentException | OutOfMemoryError ex) {
            throw new InputFileException("not a usable .npy file: " + ErrorReporter.message(ex), file, ex);
        }
    }

    private Session open(Plugins plugins, ModelRuntime rt) throws PluginException {
        // a file the runtime accepts is an inner network already (InnerModels), with --inner or without
        if (InnerModels.opensFile(rt, model)) return ModelFiles.open(rt, model, Options.NONE);
        LoadedModel m = ModelFiles.load(plugins, model);
        if (inner) m = InnerModels.inner(plugins, m);
        return rt.open(m.graph(), Options.NONE);
    }

    /** Writes all outputs into a temp dir, then moves each into place: no half-written .npy under its name. */
    private void writeAtomically(Map<String, Tensor> results) throws IOException {
        Files.createDirectories(out);
        Path tmp = Files.createTempDirectory(out, ".run-");
        try {
            List<Path> written = new ArrayList<>();
            for (var e : results.entrySet()) {
                Path f = tmp.resolve(e.getKey() + ".npy");
                Npy.write(f, new NpyArray(e.getValue().shape(), e.getValue().toFloatArray()));
                written.add(f);
            }
            for (Path f : written) AtomicFiles.rename(f, out.resolve(f.getFileName()), true);
        } finally {
            try (var s = Files.list(tmp)) {
                for (Path p : s.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(tmp);
        }
    }
}

package dev.htdemucs.cli;

import dev.htdemucs.pipeline.ModelFiles;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Shows what a model file holds: hyper-parameters (kwargs), sources, audio format,",
                "parameter count by dtype, graph inputs/outputs and an op histogram.",
                "MODEL is a demucs checkpoint (.th), an ONNX file or an .mlpackage."})
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = "Model file to inspect.")
    Path model;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        Plugins plugins = pluginOptions.plugins();
        ModelLoader loader = ModelFiles.loaderFor(plugins, model);
        LoadedModel m = loader.load(model, dev.htdemucs.spi.Options.NONE);
        PrintWriter out = spec.commandLine().getOut();
        ModelMetadata md = m.metadata();
        Graph g = m.graph();
        out.println("model:        " + model);
        out.println("architecture: " + md.architecture());
        out.println("sources:      " + String.join(", ", md.sources()));
        out.printf("audio:        %d Hz, %d channels, segment %d samples (%.2f s)%n", md.sampleRate(), md.audioChannels(),
                md.segmentSamples(), md.segmentSamples() / (double) md.sampleRate());
        out.printf("stft:         n_fft %d, hop %d -> %d bins x %d frames per segment%n", md.nfft(), md.hop(), md.bins(), md.frames());
        out.println("kwargs:");
        new TreeMap<>(md.hyperParameters()).forEach((k, v) -> out.println("  " + k + " = " + v));
        Map<DType, Long> params = new TreeMap<>(loader.storedParameters(model));
        if (!params.isEmpty()) {
            // A checkpoint's parameters are its state dict, as stored (released models: float16).
            out.println("parameters (checkpoint state, by stored dtype):");
        } else {
            for (Node n : g.nodes()) {
                if (n.op().equals("const") && n.output().type().numel() > 1) params.merge(n.output().type().dtype(), n.output().type().numel(), Long::sum);
            }
            out.println("parameters (constants with more than one element, by dtype):");
        }
        long total = 0;
        for (var e : params.entrySet()) {
            out.printf("  %-8s %,d%n", e.getKey(), e.getValue());
            total += e.getValue();
        }
        out.printf("  total    %,d%n", total);
        out.println("graph " + g.name() + ":");
        for (Value v : g.inputs()) out.println("  input  " + v.name() + " " + v.type());
        g.outputs().forEach((name, v) -> out.println("  output " + name + " " + v.type()));
        out.println("ops (" + g.nodes().size() + " nodes):");
        g.opHistogram().forEach((op, count) -> out.printf("  %-16s %d%n", op, count));
        out.flush();
        return 0;
    }
}

package dev.htdemucs.cli;

import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Plugins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "export-onnx", mixinStandardHelpOptions = true,
        description = {"Exports the inner network of a model (between STFT and iSTFT) as an ONNX file, with",
                "inputs mix and spec, outputs spec_out and wave_out, and the STFT framing in metadata_props.",
                "",
                "Example: htdemucs export-onnx --model htdemucs_6s.th --out htdemucs_6s.onnx --weights fp16"})
final class ExportOnnxCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = "demucs checkpoint (.th) or another loadable model.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "X.onnx", description = "Output file.")
    Path out;

    @Option(names = "--opset", defaultValue = "17", paramLabel = "N", description = "ONNX opset, 17 to 21. Default: ${DEFAULT-VALUE}.")
    int opset;

    @Option(names = "--weights", defaultValue = "fp32", paramLabel = "fp32|fp16",
            description = "Weight storage: fp32, or fp16 with Cast to fp32 (half the size). Default: ${DEFAULT-VALUE}.")
    String weights;

    @Option(names = "--force", description = "Replace an existing output.")
    boolean force;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        long t0 = System.nanoTime();
        if (!weights.equals("fp32") && !weights.equals("fp16")) {
            throw new IllegalArgumentException("--weights must be fp32 or fp16, got '" + weights + "'");
        }
        if (!force && java.nio.file.Files.exists(out)) {
            throw new IllegalArgumentException("output exists; use --force to replace it (" + out + ")");
        }
        Plugins plugins = pluginOptions.plugins();
        Emitter onnx = plugins.get(Emitter.class, "onnx");
        LoadedModel m = ModelFiles.inner(plugins, ModelFiles.load(plugins, model));
        Emitter.EmitResult r = onnx.emit(m, out,
                Options.of("opset", Integer.toString(opset), "weights", weights, "force", Boolean.toString(force)));
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "wrote %s (%s, opset %d, %s weights) in %.2f s%n", r.path(), ConvertCommand.humanBytes(r.bytes()),
                opset, weights, (System.nanoTime() - t0) / 1e9);
        o.flush();
        return 0;
    }
}

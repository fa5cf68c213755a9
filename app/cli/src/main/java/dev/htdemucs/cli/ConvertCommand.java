package dev.htdemucs.cli;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.pipeline.ConversionPipeline;
import dev.htdemucs.pipeline.ConversionResult;
import dev.htdemucs.pipeline.PassPipeline;
import dev.htdemucs.report.ByteSizes;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts an HTDemucs model into a CoreML ML Program (.mlpackage).",
                "",
                "The package holds the network between STFT and iSTFT (both branches, normalisation and",
                "cross-transformer): inputs mix [1,C,L] and spec [1,2C,F,T], outputs spec_out and wave_out.",
                "Your app does the STFT/iSTFT; the package's metadata says how (n_fft, hop, framing).",
                "",
                "With no --model it converts the bundled tiny6 test model, which is quick to try.",
                "",
                "Examples:",
                "  htdemucs convert --model 5c90dfd2-34c22ccb.th --out htdemucs_6s.mlpackage",
                "  htdemucs convert --model m.th --precision auto --target-snr 70",
                "  htdemucs convert --model m.th --precision fp32 --target ios18 --force"})
final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "MODEL",
            description = "demucs checkpoint (.th) or another loadable model. Default: the bundled tiny6 model.")
    Path model;

    @Option(names = "--out", paramLabel = "X.mlpackage",
            description = "Output package. Default: <model name>.mlpackage in the current directory.")
    Path out;

    @Option(names = "--precision", defaultValue = "mixed", paramLabel = "NAME",
            description = {"Precision selector: fp32, fp16, mixed (fp16 except numerically sensitive ops), auto",
                    "(fewest fp32 ops that reach --target-snr), or a plugin's. Default: ${DEFAULT-VALUE}."})
    String precision;

    @Option(names = "--target-snr", paramLabel = "DB",
            description = "auto: the SNR every separated stem must keep against the fp32 package's, in dB (default 60). "
                    + "auto runs the model on synthetic songs 15-25 times: minutes for a full-size model.")
    Double targetSnr;

    @Option(names = "--snr-margin", paramLabel = "DB",
            description = "auto: dB added to --target-snr on its calibration songs, so that music it did not hear "
                    + "reaches the target too (default 4; 0 = the target on the calibration songs only).")
    Double snrMargin;

    @Option(names = "--target", defaultValue = "ios17", paramLabel = "ios17|ios18",
            description = "Deployment target: ios17 (CoreML7 opset, spec 8) or ios18 (CoreML8, spec 9). Default: ${DEFAULT-VALUE}.")
    DeploymentTarget target;

    @Option(names = "--passes", split = ",", paramLabel = "PASS",
            description = {"Graph passes, in order. '+name' appends to the default pipeline, '-name' removes,",
                    "plain names replace it. Default: " + "extract-inner" + "."})
    List<String> passes;

    @Option(names = "--emitter", defaultValue = "coreml", paramLabel = "NAME", description = "Emitter plugin. Default: ${DEFAULT-VALUE}.")
    String emitter;

    @Option(names = "--force", description = "Replace an existing output.")
    boolean force;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        long t0 = System.nanoTime();
        PrintWriter err = spec.commandLine().getErr();
        Path modelFile = model != null ? model : Golden.tiny6().file("model.th");
        String baseName = model != null ? stripExtension(modelFile.getFileName().toString()) : "tiny6";
        Map<String, String> selectorValues = new LinkedHashMap<>();
        if (targetSnr != null) selectorValues.put("target_snr", targetSnr.toString());
        if (snrMargin != null) selectorValues.put("margin_db", snrMargin.toString());
        ConversionPipeline pipeline = ConversionPipeline.builder(pluginOptions.plugins())
                .model(modelFile)
                .emitter(emitter)
                .emitOptions(Options.of("target", target.option(), "force", Boolean.toString(force),
                        "version", VersionProvider.version()))
                .precision(precision)
                .precisionOptions(Options.of(selectorValues))
                .passes(PassPipeline.DEFAULT.edit(passes))
                .listener((stage, subject) -> err.println("[" + stage.number() + "/4] " + stage.verb() + " " + subject))
                .build();
        Path out = this.out != null ? this.out : Path.of(baseName + pipeline.emitter().extension());
        ConversionResult result = pipeline.run(out);
        double seconds = (System.nanoTime() - t0) / 1e9;

        PrintWriter o = spec.commandLine().getOut();
        LoadedModel m = result.model();
        Map<Precision, Integer> counts = result.plan().count(m.graph());
        Emitter.EmitResult emitted = result.emitted();
        o.println("wrote " + emitted.path());
        String shownName = model != null ? modelFile.getFileName().toString() : "tiny6 (bundled test model)";
        o.printf(Locale.ROOT, "model:     %s (%s, %d sources: %s)%n", shownName, m.metadata().architecture(),
                m.metadata().sources().size(), String.join(", ", m.metadata().sources()));
        o.printf(Locale.ROOT, "precision: %s — %d fp16 ops, %d fp32 ops%n", result.precision(),
                counts.getOrDefault(Precision.FP16, 0), counts.getOrDefault(Precision.FP32, 0));
        o.printf(Locale.ROOT, "size:      %s on disk%n", humanBytes(emitted.bytes()));
        if (emitted.summary() != null && !emitted.summary().isBlank()) o.println(emitted.summary());
        o.println("ops by type:");
        Map<String, Integer> ops = new LinkedHashMap<>();
        emitted.opCounts().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(e -> ops.put(e.getKey(), e.getValue()));
        ops.forEach((op, c) -> o.printf(Locale.ROOT, "  %-16s %d%n", op, c));
        o.printf(Locale.ROOT, "time:      %.2f s%n", seconds);
        o.flush();
        return 0;
    }

    static String stripExtension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static String humanBytes(long bytes) {
        return ByteSizes.human(bytes);
    }
}

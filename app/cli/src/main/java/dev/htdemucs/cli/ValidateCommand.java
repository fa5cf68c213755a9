package dev.htdemucs.cli;

import dev.htdemucs.report.ConsoleTable;
import dev.htdemucs.report.HtmlReport;
import dev.htdemucs.report.JsonReport;
import dev.htdemucs.report.ValidationReport;
import dev.htdemucs.validation.Validation;
import dev.htdemucs.validation.ValidationSettings;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.precision.PrecisionCasts;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {
                "Proves numerically that the converted model computes what the original computes. The model is"
                        + " converted with the coreml emitter at every --precision; every runtime (and every"
                        + " package) runs on the same inputs and is compared with the reference run, at the inner"
                        + " outputs (spec_out, wave_out) and at the stems (the host's STFT/iSTFT around each"
                        + " runtime's inner network).",
                "",
                "Inputs: the built-in signals silence, sine_440hz, white_noise and synth_song, one training segment"
                        + " each, or the first --seconds of --input SONG.wav.",
                "",
                "Bounds (stated in the report too; exit code 1 when one is broken):",
                "  * fp32 runs (reference, onnxruntime, pytorch, coreml-reference fp32):",
                "      max |ref - test| <= 1e-4 x max |ref| on every stem and inner output;",
                "  * other precisions (fp16, mixed, auto, plugins'): SNR >= --min-fp16-snr",
                "      (default 40 dB) on every stem of every non-silent input;",
                "  * no NaN or infinity in any output.",
                "",
                "Runtimes that are not available are skipped with a note: pytorch needs a"
                        + " TorchScript file of the inner network (--torchscript; the bundled tiny6 model has one),"
                        + " as tracing a checkpoint needs Python.",
                "",
                "Examples:",
                "  htdemucs validate",
                "  htdemucs validate --model htdemucs_6s.th --layers \\",
                "      --report report.html --json report.json",
                "  htdemucs validate --model m.th --input song.wav --seconds 10 \\",
                "      --precision fp16,mixed"},
        footer = {"", "Exit codes: 0 every bound holds, 1 a bound is broken, 2 an error."})
final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "MODEL",
            description = "demucs checkpoint (.th) or another loadable model. Default: the bundled tiny6 model.")
    Path model;

    @Option(names = "--precision", split = ",", paramLabel = "NAME",
            description = {"Precisions to convert to and check (selector plugins), comma separated or repeated.",
                    "Default: fp32, fp16, mixed, and auto when that selector is installed."})
    List<String> precisions;

    @Option(names = "--runtimes", split = ",", paramLabel = "NAME",
            description = "Runtimes to compare, comma separated. coreml-reference runs each converted package."
                    + " Default: reference,onnxruntime,pytorch,coreml-reference.")
    List<String> runtimes;

    @Option(names = "--reference", defaultValue = Validation.REFERENCE, paramLabel = "RUNTIME",
            description = "Runtime whose fp32 run every other run is compared with. Default: ${DEFAULT-VALUE}"
                    + " (the IR graph in float32).")
    String reference;

    @Option(names = "--input", paramLabel = "SONG.wav",
            description = "Check on this song (repeatable) instead of the built-in signals.")
    List<Path> inputs;

    @Option(names = "--signals", split = ",", paramLabel = "NAME",
            description = "Built-in signals to check on (silence, sine_440hz, white_noise, synth_song). Default: all"
                    + " four, none when --input is given.")
    List<String> signals;

    @Option(names = "--seconds", paramLabel = "N",
            description = "How much of each --input to check, from its start. Default: one training segment;"
                    + " longer excerpts are split into overlapping segments as separate does.")
    Double seconds;

    @Option(names = "--report", paramLabel = "FILE.html", description = "Write the self-contained HTML report here.")
    Path htmlReport;

    @Option(names = "--json", paramLabel = "FILE.json", description = "Write the report as JSON here.")
    Path jsonReport;

    @Option(names = "--layers",
            description = "Also compare every encoder, transformer and decoder output at each precision with fp32,"
                    + " to show where fp16 error comes in (the graph with those outputs is converted and run on"
                    + " coreml-reference).")
    boolean layers;

    @Option(names = "--min-fp16-snr", defaultValue = "40", paramLabel = "DB",
            description = "The SNR every stem of a non-fp32 precision must reach on non-silent inputs."
                    + " Default: ${DEFAULT-VALUE} dB.")
    double minFp16Snr;

    @Option(names = "--torchscript", paramLabel = "FILE.pt",
            description = "TorchScript file of the model's inner network for the pytorch runtime. Default: the"
                    + " bundled one for tiny6, else " + Validation.TORCHSCRIPT_NEXT_TO_MODEL + " next to the model if present.")
    Path torchscript;

    @Option(names = "--target", defaultValue = "ios17", paramLabel = "ios17|ios18",
            description = "Deployment target of the converted packages. Default: ${DEFAULT-VALUE}.")
    DeploymentTarget target;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for each runtime (default: the runtime's own).")
    Integer threads;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    @Override public Integer call() throws Exception {
        PrintWriter progress = spec.commandLine().getErr();
        checkOptions();
        ValidationSettings settings = new ValidationSettings(pluginOptions.plugins(), model, precisions, runtimes,
                reference, inputs, signals, seconds, layers, minFp16Snr, torchscript, target.option(), threads,
                VersionProvider.version(), line -> {
                    progress.println(line);
                    progress.flush();
                });
        ValidationReport built = Validation.run(settings);

        PrintWriter out = spec.commandLine().getOut();
        List<String> notes = Validation.notes(built);
        for (String note : notes) out.println("note: " + note);
        if (!notes.isEmpty()) out.println();
        ConsoleTable.print(built, out);
        if (htmlReport != null) {
            HtmlReport.write(built, htmlReport);
            out.println("wrote " + htmlReport);
        }
        if (jsonReport != null) {
            JsonReport.write(built, jsonReport);
            out.println("wrote " + jsonReport);
        }
        out.flush();
        return built.passed() ? 0 : 1;
    }

    private void checkOptions() {
        if (seconds != null && !(seconds > 0)) throw usage("--seconds must be > 0, got " + seconds);
        if (!Double.isFinite(minFp16Snr)) throw usage("--min-fp16-snr must be a number of dB, got " + minFp16Snr);
        if (threads != null && threads < 1) throw usage("--threads must be >= 1, got " + threads);
        if (seconds != null && (inputs == null || inputs.isEmpty())) throw usage("--seconds applies to --input; no --input given");
        if (signals != null) {
            for (String s : signals) {
                if (!Validation.BUILT_IN_SIGNALS.contains(s)) {
                    throw usage("--signals: no built-in signal '" + s + "'; built in: " + String.join(", ", Validation.BUILT_IN_SIGNALS));
                }
            }
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}

package dev.htdemucs.cli;

import dev.htdemucs.fixtures.Golden;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.report.ConsoleTable;
import dev.htdemucs.report.HtmlReport;
import dev.htdemucs.report.JsonReport;
import dev.htdemucs.report.LayerDivergence;
import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.ValidationReport;
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
import dev.htdemucs.stft.separation.InnerNetwork;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

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
    static final String REFERENCE = "reference";
    static final String ONNXRUNTIME = "onnxruntime";
    static final String PYTORCH = "pytorch";
    static final String COREML_REFERENCE = "coreml-reference";
    static final String COREML_EMITTER = "coreml";
    static final String AUTO = "auto";
    static final List<String> DEFAULT_RUNTIMES = List.of(REFERENCE, ONNXRUNTIME, PYTORCH, COREML_REFERENCE);
    static final List<String> DEFAULT_PRECISIONS = List.of("fp32", "fp16", "mixed");
    /** demucs' golden sets keep the traced inner network next to the checkpoint under this name. */
    static final String TORCHSCRIPT_NEXT_TO_MODEL = "inner.torchscript.pt";

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

    @Option(names = "--reference", defaultValue = REFERENCE, paramLabel = "RUNTIME",
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
                    + " bundled one for tiny6, else " + TORCHSCRIPT_NEXT_TO_MODEL + " next to the model if present.")
    Path torchscript;

    @Option(names = "--target", defaultValue = "ios17", paramLabel = "ios17|ios18",
            description = "Deployment target of the converted packages. Default: ${DEFAULT-VALUE}.")
    String target;

    @Option(names = "--threads", paramLabel = "N", description = "Threads for each runtime (default: the runtime's own).")
    Integer threads;

    @Mixin PluginOptions pluginOptions;
    @Spec CommandSpec spec;

    private PrintWriter progress;
    private final List<String> notes = new ArrayList<>();

    /** How to open one compared run's session. */
    private interface SessionOpener {
        Session open() throws PluginException;
    }

    /**
     * One run: a runtime at a precision.
     *
     * @param optional a cross-check whose runtime may be missing on this machine: failing to open it is a
     *                 note, not an error (the reference and the converted packages are never optional)
     */
    private record RunTarget(String runtime, String precision, SessionOpener opener, boolean optional) {
        String label() { return runtime + " " + precision; }
    }

    @Override public Integer call() throws Exception {
        progress = spec.commandLine().getErr();
        checkOptions();
        Plugins plugins = pluginOptions.plugins();
        Path modelFile = model != null ? model : Golden.tiny6().file("model.th");
        String modelName = model != null ? modelFile.getFileName().toString() : "tiny6 (bundled)";
        Map<String, PrecisionSelector> selectors = selectors(plugins);
        ModelRuntime referenceRuntime = plugins.get(ModelRuntime.class, reference);
        Options runtimeOptions = threads == null ? Options.NONE : Options.of("threads", threads.toString());

        step("loading " + (model != null ? modelFile.toString() : "the bundled tiny6 model"));
        LoadedModel inner = ModelFiles.inner(plugins, ModelFiles.load(plugins, modelFile));
        ModelMetadata metadata = inner.metadata();
        List<ValidationCase> cases = cases(metadata);

        ValidationReport.Builder report = ValidationReport.builder(modelName).reference(reference, ValidationBounds.FP32)
                .createdBy("htdemucs " + VersionProvider.version());
        Path work = Files.createTempDirectory("htdemucs-validate-");
        try (Session hostSession = plugins.get(ModelRuntime.class, REFERENCE).open(inner.graph(), runtimeOptions)) {
            // The host's STFT/iSTFT for every runtime; the session behind it is the IR graph in float32.
            InnerNetwork host = new InnerNetwork(hostSession, metadata);
            Map<String, PrecisionPlan> plans = plans(selectors, inner, report);
            List<RunTarget> targets = targets(plugins, modelFile, inner, metadata, plans, work, hostSession,
                    referenceRuntime, runtimeOptions, report);
            RunOutcome outcome = runAll(targets, hostSession, host, cases, metadata);
            outcome.runs.forEach(report::run);

            if (layers) {
                ValidationCase layerCase = layerCase(cases);
                ModelRuntime planRuntime = layerRuntime(plugins);
                report.version("layers", planRuntime.name() + " with each precision's plan vs " + REFERENCE
                        + " fp32, on the first segment of " + layerCase.name());
                if (!reference.equals(REFERENCE)) {
                    note("layers: compared with the " + REFERENCE + " runtime in fp32, not with " + reference);
                }
                List<LayerDivergence> divergences = LayerComparison.compare(plugins,
                        plugins.get(ModelRuntime.class, REFERENCE), planRuntime, inner, plans,
                        host.inputs(layerCase.firstSegment(host.trainingLength())), runtimeOptions, this::step);
                if (divergences.isEmpty()) {
                    note("layers: not compared: " + (LayerComparison.layers(inner).isEmpty()
                            ? "the graph has no HTDemucs layer nodes (encoder.0, ...)" : "no precision computes in fp16"));
                }
                divergences.forEach(report::layerDivergence);
            }
            outcome.worst.spectrogram(metadata.sampleRate()).ifPresent(report::errorSpectrogram);

            Set<String> silent = new LinkedHashSet<>();
            for (ValidationCase c : cases) if (c.silent()) silent.add(c.name());
            ValidationBounds.of(outcome.runs, silent, outcome.nonFinite, minFp16Snr).forEach(report::bound);
        } finally {
            deleteRecursively(work);
        }
        describeInputs(report, cases, metadata);
        for (int i = 0; i < notes.size(); i++) report.version(notes.size() == 1 ? "note" : "note " + (i + 1), notes.get(i));
        ValidationReport built = report.build();

        PrintWriter out = spec.commandLine().getOut();
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
        if (!target.equals("ios17") && !target.equals("ios18")) throw usage("--target must be ios17 or ios18, got '" + target + "'");
        if (seconds != null && (inputs == null || inputs.isEmpty())) throw usage("--seconds applies to --input; no --input given");
        if (signals != null) {
            for (String s : signals) {
                if (!ValidationCases.BUILT_IN.contains(s)) {
                    throw usage("--signals: no built-in signal '" + s + "'; built in: " + String.join(", ", ValidationCases.BUILT_IN));
                }
            }
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private void step(String message) {
        progress.println("validate: " + message);
        progress.flush();
    }

    private void note(String message) {
        notes.add(message);
        step("note: " + message);
    }

    private Map<String, PrecisionSelector> selectors(Plugins plugins) throws PluginException {
        List<String> names = new ArrayList<>(precisions == null ? DEFAULT_PRECISIONS : precisions);
        if (precisions == null && plugins.all(PrecisionSelector.class).stream().anyMatch(p -> p.name().equals(AUTO))) {
            names.add(AUTO);
        }
        Map<String, PrecisionSelector> selectors = new LinkedHashMap<>();
        for (String name : names) selectors.put(name, plugins.get(PrecisionSelector.class, name));
        return selectors;
    }

    private List<ValidationCase> cases(ModelMetadata metadata) throws InputFileException {
        List<ValidationCase> cases = new ArrayList<>();
        boolean songs = inputs != null && !inputs.isEmpty();
        List<String> builtIn = signals != null ? signals : songs ? List.of() : ValidationCases.BUILT_IN;
        cases.addAll(ValidationCases.builtIn(metadata, builtIn));
        if (songs) for (Path song : inputs) cases.add(ValidationCases.song(song, seconds, metadata));
        return cases;
    }

    /** Each precision's plan for the inner graph, with its op counts in the report. */
    private Map<String, PrecisionPlan> plans(Map<String, PrecisionSelector> selectors, LoadedModel inner,
                                             ValidationReport.Builder report) throws PluginException {
        Map<String, PrecisionPlan> plans = new LinkedHashMap<>();
        for (PrecisionSelector selector : selectors.values()) {
            step("precision plan " + selector.name());
            PrecisionPlan plan = selector.select(inner, Options.NONE);
            plans.put(selector.name(), plan);
            Map<Precision, Integer> counts = plan.count(inner.graph());
            report.version("precision " + selector.name(), counts.getOrDefault(Precision.FP16, 0) + " fp16 ops, "
                    + counts.getOrDefault(Precision.FP32, 0) + " fp32 ops");
        }
        return plans;
    }

    /** The reference run first, then the compared runs in --runtimes order; coreml-reference once per package. */
    private List<RunTarget> targets(Plugins plugins, Path modelFile, LoadedModel inner, ModelMetadata metadata,
                                    Map<String, PrecisionPlan> plans, Path work, Session hostSession,
                                    ModelRuntime referenceRuntime, Options runtimeOptions, ValidationReport.Builder report)
            throws PluginException {
        List<String> names = new ArrayList<>(new LinkedHashSet<>(runtimes == null ? DEFAULT_RUNTIMES : runtimes));
        Path torchScript = torchScript(modelFile);
        Map<String, PrecisionPlan> toEmit = new LinkedHashMap<>();
        if (names.contains(COREML_REFERENCE)) toEmit.putAll(plans);
        if (reference.equals(COREML_REFERENCE) && !toEmit.containsKey(ValidationBounds.FP32)) {
            toEmit.put(ValidationBounds.FP32, PrecisionPlan.uniform(Precision.FP32));
        }
        Map<String, Path> packages = emit(plugins, inner, toEmit, work, report);

        List<RunTarget> targets = new ArrayList<>();
        targets.add(new RunTarget(reference, ValidationBounds.FP32, fp32Opener(reference, referenceRuntime, inner,
                metadata, torchScript, packages, hostSession, runtimeOptions, true), false));
        for (String name : names) {
            ModelRuntime rt;
            try {
                rt = plugins.get(ModelRuntime.class, name);
            } catch (PluginException e) {
                note(name + ": not run: " + e.getMessage());
                continue;
            }
            if (name.equals(COREML_REFERENCE)) {
                if (packages.isEmpty()) continue; // emit() noted why
                for (String precision : plans.keySet()) {
                    if (name.equals(reference) && precision.equals(ValidationBounds.FP32)) continue;
                    Path pkg = packages.get(precision);
                    targets.add(new RunTarget(name, precision, () -> rt.open(pkg, runtimeOptions), false));
                }
            } else if (!name.equals(reference)) {
                if (name.equals(PYTORCH) && torchScript == null) {
                    note(PYTORCH + ": not run: there is no TorchScript file of this model's inner network (give one"
                            + " with --torchscript; making one from a checkpoint needs Python's torch.jit.trace)");
                    continue;
                }
                targets.add(new RunTarget(name, ValidationBounds.FP32, fp32Opener(name, rt, inner, metadata, torchScript,
                        packages, hostSession, runtimeOptions, false), true));
            }
        }
        if (torchScript != null && (names.contains(PYTORCH) || reference.equals(PYTORCH))) {
            report.version("pytorch model", torchScript.getFileName().toString());
        }
        return targets;
    }

    /** Opens runtime {@code name} in fp32: the IR graph, or for pytorch the TorchScript file. */
    private SessionOpener fp32Opener(String name, ModelRuntime rt, LoadedModel inner, ModelMetadata metadata, Path torchScript,
                                     Map<String, Path> packages, Session hostSession, Options options,
                                     boolean isReference) throws PluginException {
        return switch (name) {
            case REFERENCE -> isReference ? () -> hostSession : () -> rt.open(inner.graph(), options);
            case PYTORCH -> {
                if (torchScript == null) {
                    throw new PluginException("the reference runtime pytorch needs a TorchScript file of the inner"
                            + " network: give one with --torchscript");
                }
                // TorchScript files do not record shapes; declaring them makes the session check every input.
                Options declared = options.with("input-shapes", String.format(Locale.ROOT, "mix=1x%dx%d,spec=1x%dx%dx%d",
                        metadata.audioChannels(), metadata.segmentSamples(), 2 * metadata.audioChannels(),
                        metadata.bins(), metadata.frames()));
                yield () -> rt.open(torchScript, declared);
            }
            case COREML_REFERENCE -> {
                Path pkg = packages.get(ValidationBounds.FP32);
                if (pkg == null) {
                    throw new PluginException("the reference runtime " + COREML_REFERENCE + " runs the fp32 package,"
                            + " but there is no '" + COREML_EMITTER + "' emitter to write it");
                }
                yield () -> rt.open(pkg, options);
            }
            default -> () -> rt.open(inner.graph(), options);
        };
    }

    private Path torchScript(Path modelFile) {
        if (torchscript != null) return torchscript;
        if (model == null) return Golden.tiny6().file(TORCHSCRIPT_NEXT_TO_MODEL);
        Path sibling = modelFile.toAbsolutePath().resolveSibling(TORCHSCRIPT_NEXT_TO_MODEL);
        return Files.isRegularFile(sibling) ? sibling : null;
    }

    /** Converts the inner graph once per precision; an empty map (with a note) when there is no coreml emitter. */
    private Map<String, Path> emit(Plugins plugins, LoadedModel inner, Map<String, PrecisionPlan> plans, Path work,
                                   ValidationReport.Builder report) throws PluginException {
        Map<String, Path> packages = new LinkedHashMap<>();
        if (plans.isEmpty()) return packages;
        Emitter emitter;
        try {
            emitter = plugins.get(Emitter.class, COREML_EMITTER);
        } catch (PluginException e) {
            note(COREML_REFERENCE + ": not run: " + e.getMessage());
            return packages;
        }
        report.version("coreml target", target);
        Options emitOptions = Options.of("target", target, "version", VersionProvider.version());
        for (Map.Entry<String, PrecisionPlan> plan : plans.entrySet()) {
            Path pkg = work.resolve(plan.getKey().replaceAll("[^A-Za-z0-9_.-]", "_") + emitter.extension());
            step("converting to " + plan.getKey() + " (" + pkg.getFileName() + ")");
            Emitter.EmitResult result = emitter.emit(inner.withGraph(PrecisionCasts.apply(inner.graph(), plan.getValue())), pkg, emitOptions);
            report.version("package " + plan.getKey(), ConvertCommand.humanBytes(result.bytes()));
            packages.put(plan.getKey(), result.path());
        }
        return packages;
    }

    /** The compared runs, the NaN/infinity count over every run (the reference's included) and the worst stem. */
    private record RunOutcome(List<RunResult> runs, long nonFinite, WorstStemTracker worst) {}

    private RunOutcome runAll(List<RunTarget> targets, Session hostSession, InnerNetwork host,
                              List<ValidationCase> cases, ModelMetadata metadata) throws PluginException {
        Map<String, CaseOutputs> referenceOutputs = new HashMap<>();
        List<RunResult> runs = new ArrayList<>();
        WorstStemTracker worst = new WorstStemTracker();
        long nonFinite = 0;
        for (int t = 0; t < targets.size(); t++) {
            RunTarget target = targets.get(t);
            boolean isReference = t == 0;
            step(String.format(Locale.ROOT, "[%d/%d] %s%s", t + 1, targets.size(), target.label(),
                    isReference ? " (reference)" : ""));
            Session session;
            try {
                session = target.opener().open();
            } catch (PluginException | RuntimeException | LinkageError e) {
                if (!target.optional()) throw e;
                note(target.runtime() + ": not run: cannot open it here: " + ErrorReporter.message(e));
                continue;
            }
            try {
                for (ValidationCase input : cases) {
                    CaseOutputs outputs = CaseOutputs.run(session, host, input);
                    nonFinite += outputs.nonFiniteCount();
                    step(String.format(Locale.ROOT, "      %s: %.2f s", input.name(), outputs.wallTimeSeconds()));
                    if (isReference) {
                        referenceOutputs.put(input.name(), outputs);
                        continue;
                    }
                    CaseOutputs ref = referenceOutputs.get(input.name());
                    RunResult run = compare(target, input, ref, outputs, metadata);
                    runs.add(run);
                    worst.offer(run, ref.stems(), outputs.stems());
                }
            } finally {
                if (session != hostSession) session.close();
            }
        }
        return new RunOutcome(runs, nonFinite, worst);
    }

    private static RunResult compare(RunTarget target, ValidationCase input, CaseOutputs ref, CaseOutputs test,
                                     ModelMetadata metadata) {
        return RunResult.builder(target.runtime(), target.precision(), input.name())
                .stems(metadata.sources(), ref.stems(), test.stems())
                .innerOutput(InnerNetwork.SPEC_OUT, ref.specOut(), test.specOut())
                .innerOutput(InnerNetwork.WAVE_OUT, ref.waveOut(), test.waveOut())
                .wallTimeSeconds(test.wallTimeSeconds())
                .build();
    }

    /**
     * Runs the layers at each precision: coreml-reference, which converts the graph with the layer outputs
     * exposed and runs the package, fp16 rounding included; the reference runtime's fp16 emulation when the
     * coreml plugins are missing (see {@link LayerComparison}).
     */
    private ModelRuntime layerRuntime(Plugins plugins) throws PluginException {
        try {
            plugins.get(Emitter.class, COREML_EMITTER);
            return plugins.get(ModelRuntime.class, COREML_REFERENCE);
        } catch (PluginException e) {
            note("layers: fp16 emulated by the " + REFERENCE + " runtime: " + e.getMessage());
            return plugins.get(ModelRuntime.class, REFERENCE);
        }
    }

    /** The input the layers are compared on: the (first) song if given, else the most song-like signal. */
    private static ValidationCase layerCase(List<ValidationCase> cases) {
        for (ValidationCase c : cases) if (!ValidationCases.BUILT_IN.contains(c.name())) return c;
        for (ValidationCase c : cases) if (c.name().equals(ValidationCases.SYNTH_SONG)) return c;
        for (ValidationCase c : cases) if (!c.silent()) return c;
        return cases.get(0);
    }

    private static void describeInputs(ValidationReport.Builder report, List<ValidationCase> cases, ModelMetadata md) {
        List<String> parts = new ArrayList<>();
        for (ValidationCase c : cases) {
            parts.add(String.format(Locale.ROOT, "%s (%.2f s)", c.name(), c.length() / (double) md.sampleRate()));
        }
        report.version("input lengths", String.join(", ", parts));
        report.version("stems", "host STFT/iSTFT (n_fft " + md.nfft() + ", hop " + md.hop() + ") around each runtime's"
                + " inner network; inner outputs of the first segment");
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}

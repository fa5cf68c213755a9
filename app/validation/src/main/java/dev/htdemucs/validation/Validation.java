package dev.htdemucs.validation;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.pipeline.ConversionPipeline;
import dev.htdemucs.pipeline.ErrorMessages;
import dev.htdemucs.pipeline.InputFileException;
import dev.htdemucs.pipeline.PlannedModel;
import dev.htdemucs.report.ByteSizes;
import dev.htdemucs.report.LayerDivergence;
import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.ValidationReport;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.Precision;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;
import dev.htdemucs.spi.Session;
import dev.htdemucs.separation.InnerNetwork;

import java.io.IOException;
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
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Proves numerically that the converted model computes what the original computes: the model is converted with
 * the coreml emitter at every precision ({@link ConversionPipeline}); every runtime (and every package) runs on
 * the same inputs and is compared with the reference run, at the inner outputs (spec_out, wave_out) and at the
 * stems (the host's STFT/iSTFT around each runtime's inner network). The bounds are {@link ValidationBounds}'.
 *
 * <pre>{@code
 * ValidationReport report = Validation.run(ValidationSettings.defaults(plugins).withModel(Path.of("m.th")));
 * boolean ok = report.passed();
 * }</pre>
 *
 * Runtimes that cannot run here are skipped with a note ({@link #notes}); the reference run and the converted
 * packages are never skipped.
 */
public final class Validation {
    public static final String REFERENCE = "reference";
    public static final String ONNXRUNTIME = "onnxruntime";
    public static final String PYTORCH = "pytorch";
    public static final String COREML_REFERENCE = "coreml-reference";
    public static final String COREML_EMITTER = "coreml";
    public static final String AUTO = "auto";
    public static final List<String> DEFAULT_RUNTIMES = List.of(REFERENCE, ONNXRUNTIME, PYTORCH, COREML_REFERENCE);
    public static final List<String> DEFAULT_PRECISIONS = List.of("fp32", "fp16", "mixed");
    public static final List<String> BUILT_IN_SIGNALS = ValidationCases.BUILT_IN;
    /** demucs' golden sets keep the traced inner network next to the checkpoint under this name. */
    public static final String TORCHSCRIPT_NEXT_TO_MODEL = "inner.torchscript.pt";
    private static final Pattern NOTE_KEY = Pattern.compile("note( \\d+)?");

    private final ValidationSettings settings;
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

    private Validation(ValidationSettings settings) {
        this.settings = settings;
    }

    /** Runs the validation {@code settings} describe; the report says whether every bound holds. */
    public static ValidationReport run(ValidationSettings settings) throws PluginException, InputFileException, IOException {
        return new Validation(settings).run();
    }

    /** The notes of a report, in order: runtimes not run and why, fallbacks taken. */
    public static List<String> notes(ValidationReport report) {
        return report.versions().entrySet().stream().filter(e -> NOTE_KEY.matcher(e.getKey()).matches())
                .map(Map.Entry::getValue).toList();
    }

    private ValidationReport run() throws PluginException, InputFileException, IOException {
        Plugins plugins = settings.plugins();
        Path modelFile = settings.model() != null ? settings.model() : Golden.tiny6().file("model.th");
        String modelName = settings.model() != null ? modelFile.getFileName().toString() : "tiny6 (bundled)";
        Map<String, PrecisionSelector> selectors = selectors(plugins);
        String reference = settings.reference();
        ModelRuntime referenceRuntime = plugins.get(ModelRuntime.class, reference);
        Options runtimeOptions = settings.threads() == null ? Options.NONE : Options.of("threads", settings.threads().toString());
        boolean hasEmitter = plugins.all(Emitter.class).stream().anyMatch(e -> e.name().equals(COREML_EMITTER));
        ConversionPipeline pipeline = ConversionPipeline.builder(plugins).model(modelFile).precision(null)
                .emitter(hasEmitter ? COREML_EMITTER : null)
                .emitOptions(Options.of("target", settings.target(), "version", settings.version()))
                .build();

        step("loading " + (settings.model() != null ? modelFile.toString() : "the bundled tiny6 model"));
        LoadedModel inner = pipeline.applyPasses(pipeline.load());
        ModelMetadata metadata = inner.metadata();
        List<ValidationCase> cases = cases(metadata);

        ValidationReport.Builder report = ValidationReport.builder(modelName).reference(reference, ValidationBounds.FP32)
                .createdBy("htdemucs " + settings.version());
        Path work = Files.createTempDirectory("htdemucs-validate-");
        try (Session hostSession = plugins.get(ModelRuntime.class, REFERENCE).open(inner.graph(), runtimeOptions)) {
            // The host's STFT/iSTFT for every runtime; the session behind it is the IR graph in float32.
            InnerNetwork host = new InnerNetwork(hostSession, metadata);
            Map<String, PlannedModel> plans = plans(pipeline, selectors, inner, report);
            List<RunTarget> targets = targets(plugins, pipeline, modelFile, inner, metadata, plans, work, hostSession,
                    referenceRuntime, runtimeOptions, report);
            RunOutcome outcome = runAll(targets, hostSession, host, cases, metadata);
            outcome.runs.forEach(report::run);

            if (settings.layers()) {
                ValidationCase layerCase = layerCase(cases);
                ModelRuntime planRuntime = layerRuntime(plugins);
                report.version("layers", planRuntime.name() + " with each precision's plan vs " + REFERENCE
                        + " fp32, on the first segment of " + layerCase.name());
                if (!reference.equals(REFERENCE)) {
                    note("layers: compared with the " + REFERENCE + " runtime in fp32, not with " + reference);
                }
                Map<String, PrecisionPlan> precisionPlans = new LinkedHashMap<>();
                plans.forEach((name, planned) -> precisionPlans.put(name, planned.plan()));
                List<LayerDivergence> divergences = LayerComparison.compare(plugins,
                        plugins.get(ModelRuntime.class, REFERENCE), planRuntime, inner, precisionPlans,
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
            ValidationBounds.of(outcome.runs, silent, outcome.nonFinite, settings.minFp16SnrDb()).forEach(report::bound);
        } finally {
            deleteRecursively(work);
        }
        describeInputs(report, cases, metadata);
        for (int i = 0; i < notes.size(); i++) report.version(notes.size() == 1 ? "note" : "note " + (i + 1), notes.get(i));
        return report.build();
    }

    private void step(String message) {
        settings.progress().accept("validate: " + message);
    }

    private void note(String message) {
        notes.add(message);
        step("note: " + message);
    }

    private Map<String, PrecisionSelector> selectors(Plugins plugins) throws PluginException {
        List<String> names = new ArrayList<>(settings.precisions() == null ? DEFAULT_PRECISIONS : settings.precisions());
        if (settings.precisions() == null && plugins.all(PrecisionSelector.class).stream().anyMatch(p -> p.name().equals(AUTO))) {
            names.add(AUTO);
        }
        Map<String, PrecisionSelector> selectors = new LinkedHashMap<>();
        for (String name : names) selectors.put(name, plugins.get(PrecisionSelector.class, name));
        return selectors;
    }

    private List<ValidationCase> cases(ModelMetadata metadata) throws InputFileException {
        List<ValidationCase> cases = new ArrayList<>();
        boolean songs = !settings.inputs().isEmpty();
        List<String> builtIn = settings.signals() != null ? settings.signals() : songs ? List.of() : ValidationCases.BUILT_IN;
        cases.addAll(ValidationCases.builtIn(metadata, builtIn));
        if (songs) for (Path song : settings.inputs()) cases.add(ValidationCases.song(song, settings.seconds(), metadata));
        return cases;
    }

    /** Each precision's plan for the inner graph, with its op counts in the report. */
    private Map<String, PlannedModel> plans(ConversionPipeline pipeline, Map<String, PrecisionSelector> selectors,
                                            LoadedModel inner, ValidationReport.Builder report)
            throws PluginException, InputFileException {
        Map<String, PlannedModel> plans = new LinkedHashMap<>();
        for (PrecisionSelector selector : selectors.values()) {
            step("precision plan " + selector.name());
            PlannedModel planned = pipeline.precision(inner, selector, Options.NONE);
            plans.put(selector.name(), planned);
            Map<Precision, Integer> counts = planned.plan().count(planned.model().graph());
            report.version("precision " + selector.name(), counts.getOrDefault(Precision.FP16, 0) + " fp16 ops, "
                    + counts.getOrDefault(Precision.FP32, 0) + " fp32 ops");
        }
        return plans;
    }

    /** The reference run first, then the compared runs in the runtimes' order; coreml-reference once per package. */
    private List<RunTarget> targets(Plugins plugins, ConversionPipeline pipeline, Path modelFile, LoadedModel inner,
                                    ModelMetadata metadata, Map<String, PlannedModel> plans, Path work,
                                    Session hostSession, ModelRuntime referenceRuntime, Options runtimeOptions,
                                    ValidationReport.Builder report) throws PluginException {
        String reference = settings.reference();
        List<String> names = new ArrayList<>(new LinkedHashSet<>(settings.runtimes() == null ? DEFAULT_RUNTIMES : settings.runtimes()));
        Path torchScript = torchScript(modelFile);
        Map<String, PlannedModel> toEmit = new LinkedHashMap<>();
        if (names.contains(COREML_REFERENCE)) toEmit.putAll(plans);
        if (reference.equals(COREML_REFERENCE) && !toEmit.containsKey(ValidationBounds.FP32)) {
            toEmit.put(ValidationBounds.FP32, new PlannedModel(inner, ValidationBounds.FP32, PrecisionPlan.uniform(Precision.FP32)));
        }
        Map<String, Path> packages = emit(plugins, pipeline, toEmit, work, report);

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
        if (settings.torchscript() != null) return settings.torchscript();
        if (settings.model() == null) return Golden.tiny6().file(TORCHSCRIPT_NEXT_TO_MODEL);
        Path sibling = modelFile.toAbsolutePath().resolveSibling(TORCHSCRIPT_NEXT_TO_MODEL);
        return Files.isRegularFile(sibling) ? sibling : null;
    }

    /** Converts the inner graph once per precision; an empty map (with a note) when there is no coreml emitter. */
    private Map<String, Path> emit(Plugins plugins, ConversionPipeline pipeline, Map<String, PlannedModel> plans, Path work,
                                   ValidationReport.Builder report) throws PluginException {
        Map<String, Path> packages = new LinkedHashMap<>();
        if (plans.isEmpty()) return packages;
        if (pipeline.emitter() == null) {
            try {
                plugins.get(Emitter.class, COREML_EMITTER);
            } catch (PluginException e) {
                note(COREML_REFERENCE + ": not run: " + e.getMessage());
            }
            return packages;
        }
        report.version("coreml target", settings.target());
        for (Map.Entry<String, PlannedModel> plan : plans.entrySet()) {
            Path pkg = work.resolve(plan.getKey().replaceAll("[^A-Za-z0-9_.-]", "_") + pipeline.emitter().extension());
            step("converting to " + plan.getKey() + " (" + pkg.getFileName() + ")");
            Emitter.EmitResult result = pipeline.emit(plan.getValue(), pkg);
            report.version("package " + plan.getKey(), ByteSizes.human(result.bytes()));
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
                note(target.runtime() + ": not run: cannot open it here: " + ErrorMessages.message(e));
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

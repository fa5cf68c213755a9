package dev.htdemucs.pipeline;

import dev.htdemucs.pipeline.ConversionListener.Stage;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.GraphPass;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.PrecisionPlan;
import dev.htdemucs.spi.PrecisionSelector;

import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One conversion, load → passes → precision → emit, with the plugins of one {@link Plugins} discovery:
 *
 * <pre>{@code
 * ConversionResult r = ConversionPipeline.builder(Plugins.fromClassPath())
 *         .model(Path.of("htdemucs_6s.th"))
 *         .precision("fp16")
 *         .build()
 *         .run(Path.of("htdemucs_6s.mlpackage"));
 * }</pre>
 *
 * <p>{@link Builder#build} finds every plugin by name (emitter, selector, passes), so a misspelt name fails before
 * the model is read. The passes are the {@link PassPipeline} given (default {@link PassPipeline#DEFAULT}) with the
 * emitter's {@link Emitter#requiredPasses} it lacks run first. Each step is also a method of its own, for callers
 * that share steps between conversions ({@code validate} loads and cuts a model once and emits it at several
 * precisions).
 *
 * <p>Errors: a file no loader can read is a {@link PluginException} naming the file; an unchecked error of a pass
 * or of a selector (the graph came from the model file) is an {@link InputFileException} naming the model file.
 */
public final class ConversionPipeline {
    public static final String DEFAULT_PRECISION = "mixed";
    public static final String DEFAULT_EMITTER = "coreml";

    private final Plugins plugins;
    private final Path modelFile;
    private final Emitter emitter;
    private final Options emitOptions;
    private final PrecisionSelector selector;
    private final Options selectorOptions;
    private final PassPipeline passes;
    private final List<GraphPass> passPlugins;
    private final ConversionListener listener;

    private ConversionPipeline(Builder b) throws PluginException {
        this.plugins = b.plugins;
        this.modelFile = Objects.requireNonNull(b.model, "no model file given");
        this.emitter = b.emitter == null ? null : plugins.get(Emitter.class, b.emitter);
        this.emitOptions = b.emitOptions;
        this.selector = b.precision == null ? null : plugins.get(PrecisionSelector.class, b.precision);
        this.selectorOptions = b.precisionOptions;
        this.passes = emitter == null ? b.passes : b.passes.require(emitter.requiredPasses());
        this.passPlugins = passes.resolve(plugins);
        this.listener = b.listener;
    }

    public static Builder builder(Plugins plugins) { return new Builder(plugins); }

    public Path modelFile() { return modelFile; }

    /** The emitter, or null when built without one. */
    public Emitter emitter() { return emitter; }

    /** The selector, or null when built without one. */
    public PrecisionSelector selector() { return selector; }

    /** The passes {@link #applyPasses} runs, the emitter's required ones included. */
    public PassPipeline passes() { return passes; }

    /** Step 1: reads the model file with the first loader that accepts it. */
    public LoadedModel load() throws PluginException {
        listener.stage(Stage.LOAD, modelFile.toString());
        return ModelFiles.load(plugins, modelFile);
    }

    /** Step 2: runs the passes in order. */
    public LoadedModel applyPasses(LoadedModel model) throws PluginException, InputFileException {
        LoadedModel m = model;
        for (GraphPass p : passPlugins) {
            listener.stage(Stage.PASS, p.name());
            try {
                m = p.apply(m, passes.options(p.name()));
            } catch (RuntimeException | OutOfMemoryError e) {
                throw fromModelFile(e);
            }
        }
        return m;
    }

    /** Step 3 with the selector and options this pipeline was built with. */
    public PlannedModel precision(LoadedModel model) throws PluginException, InputFileException {
        if (selector == null) throw new IllegalStateException("this pipeline was built without a precision selector");
        return precision(model, selector, selectorOptions);
    }

    /**
     * Step 3: the precision of every op. This is the one place that turns a selector's plan into what the emitter
     * gets: {@link PlannedModel#realised()}.
     */
    public PlannedModel precision(LoadedModel model, PrecisionSelector precisionSelector, Options options)
            throws PluginException, InputFileException {
        listener.stage(Stage.PRECISION, precisionSelector.name());
        PrecisionPlan plan;
        try {
            plan = precisionSelector.select(model, options);
        } catch (OutOfMemoryError e) {
            throw new InputFileException(selectorOutOfMemory(precisionSelector.name(), Runtime.getRuntime().maxMemory()), modelFile, e);
        } catch (RuntimeException e) {
            throw fromModelFile(e);
        }
        return new PlannedModel(model, precisionSelector.name(), plan);
    }

    /** Step 4: writes {@code planned} to {@code out} with the emitter and its options. */
    public Emitter.EmitResult emit(PlannedModel planned, Path out) throws PluginException {
        if (emitter == null) throw new IllegalStateException("this pipeline was built without an emitter");
        listener.stage(Stage.EMIT, out.toString());
        return emitter.emit(planned.realised(), out, emitOptions);
    }

    /** All four steps: the model file converted into {@code out}. */
    public ConversionResult run(Path out) throws PluginException, InputFileException {
        Map<Stage, Double> seconds = new EnumMap<>(Stage.class);
        long t = System.nanoTime();
        LoadedModel loaded = load();
        t = lap(seconds, Stage.LOAD, t);
        LoadedModel transformed = applyPasses(loaded);
        t = lap(seconds, Stage.PASS, t);
        PlannedModel planned = precision(transformed);
        t = lap(seconds, Stage.PRECISION, t);
        Emitter.EmitResult emitted = emit(planned, out);
        lap(seconds, Stage.EMIT, t);
        return new ConversionResult(planned.model(), planned.precision(), planned.plan(), passes.passes(), emitted, seconds);
    }

    private static long lap(Map<Stage, Double> seconds, Stage stage, long since) {
        long now = System.nanoTime();
        seconds.put(stage, (now - since) / 1e9);
        return now;
    }

    /** A graph the passes or the selector cannot handle comes from the model file: name it. */
    private InputFileException fromModelFile(Throwable e) {
        return new InputFileException(ErrorMessages.message(e), modelFile, e);
    }

    /**
     * A selector that runs the model (auto runs the whole network on full segments, several at once) needs far
     * more heap than converting: say so, and how much more to ask for, rather than blame the model file.
     */
    public static String selectorOutOfMemory(String selector, long maxHeapBytes) {
        long suggestGb = Math.max(8, 2 * ((maxHeapBytes + (1L << 30) - 1) >> 30));
        String why = selector.equals("auto") ? "it runs the model on calibration songs, which needs several GB for a full-size model"
                : "selectors that run the model need several GB for a full-size one";
        return String.format(Locale.ROOT, "the %s precision selector ran out of Java heap (at most %.1f GB here): %s; a larger "
                + "heap: HTDEMUCS_JAVA_OPTS=-Xmx%dg, or --precision fp16 or mixed, which do not run the model",
                selector, maxHeapBytes / (double) (1L << 30), why, suggestGb);
    }

    /** Settings of a {@link ConversionPipeline}; every one but the model has a default. */
    public static final class Builder {
        private final Plugins plugins;
        private Path model;
        private PassPipeline passes = PassPipeline.DEFAULT;
        private String precision = DEFAULT_PRECISION;
        private Options precisionOptions = Options.NONE;
        private String emitter = DEFAULT_EMITTER;
        private Options emitOptions = Options.NONE;
        private ConversionListener listener = ConversionListener.NONE;

        private Builder(Plugins plugins) { this.plugins = Objects.requireNonNull(plugins); }

        /** The model file; any format a {@link dev.htdemucs.spi.ModelLoader} plugin accepts. */
        public Builder model(Path file) { this.model = file; return this; }

        /** The passes (default {@link PassPipeline#DEFAULT}); the emitter's required passes are added. */
        public Builder passes(PassPipeline pipeline) { this.passes = Objects.requireNonNull(pipeline); return this; }

        /** The precision selector's name (default {@value #DEFAULT_PRECISION}); null for a pipeline without step 3. */
        public Builder precision(String selectorName) { this.precision = selectorName; return this; }

        /** The selector's options (e.g. auto's {@code target_snr}). Default: none. */
        public Builder precisionOptions(Options options) { this.precisionOptions = Objects.requireNonNull(options); return this; }

        /** The emitter's name (default {@value #DEFAULT_EMITTER}); null for a pipeline without step 4. */
        public Builder emitter(String emitterName) { this.emitter = emitterName; return this; }

        /** The emitter's options (coreml: {@code target}, {@code force}, {@code version}, ...). Default: none. */
        public Builder emitOptions(Options options) { this.emitOptions = Objects.requireNonNull(options); return this; }

        public Builder listener(ConversionListener l) { this.listener = Objects.requireNonNull(l); return this; }

        /** Finds the plugins: emitter, selector, then the passes; an unknown name is an error listing the known ones. */
        public ConversionPipeline build() throws PluginException { return new ConversionPipeline(this); }
    }
}

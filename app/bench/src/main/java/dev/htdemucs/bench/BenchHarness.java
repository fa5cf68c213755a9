package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.Conversion;
import dev.htdemucs.bench.BenchReport.Hotspots;
import dev.htdemucs.bench.BenchReport.ModelInfo;
import dev.htdemucs.bench.BenchReport.Profiles;
import dev.htdemucs.bench.BenchReport.ReferenceSegment;
import dev.htdemucs.bench.BenchReport.Separation;
import dev.htdemucs.bench.BenchReport.SettingsEcho;
import dev.htdemucs.bench.BenchReport.Spectrogram;
import dev.htdemucs.bench.profile.JfrHotspots;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code htdemucs bench}: measures, one after the other so they do not compete for the cores,
 * <ol>
 *   <li>conversion ({@link ConversionBenchmark}, a child JVM),</li>
 *   <li>the host STFT/iSTFT of one segment ({@link SpectrogramBenchmark}),</li>
 *   <li>the reference runtime's inner network on one segment, and</li>
 *   <li>separating the input with every runtime ({@link RuntimeBenchmark}),</li>
 * </ol>
 * then checks the {@link Goals}. A step that fails is reported with its reason and the others still run.
 */
public final class BenchHarness {
    private static final int HOTSPOTS = 15;

    private final Plugins plugins;
    private final PrintWriter log;

    /** @param log progress lines (the CLI passes stderr) */
    public BenchHarness(Plugins plugins, PrintWriter log) {
        this.plugins = plugins;
        this.log = log;
    }

    /**
     * Runs the bench.
     *
     * @throws PluginException when the model cannot be loaded (nothing can be measured then)
     * @throws IOException     when the temporary or profile directory cannot be made
     */
    public BenchReport run(BenchSettings requested) throws PluginException, IOException {
        long t0 = System.nanoTime();
        String started = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
        MachineFacts machine = MachineFacts.collect();
        BenchSettings settings = withTorchscriptRuntime(requested);
        for (String r : settings.runtimes()) plugins.get(dev.htdemucs.spi.ModelRuntime.class, r);  // unknown names fail early
        if (settings.profileDir() != null) Files.createDirectories(settings.profileDir());
        say("machine: %d cores (%s), Java %s, max heap %s, load %s", machine.cores(), machine.cpuModel(),
                machine.javaVersion(), BenchTable.mib(machine.maxHeapBytes()), MachineFacts.describeLoad(machine.loadAverage()));

        BenchModel.Choice choice = BenchModel.choose(settings.model());
        if (choice.note() != null) say("note: %s", choice.note());

        Path work = Files.createTempDirectory("htdemucs-bench-");
        Conversion conversion;
        Hotspots conversionProfile = null;
        try {
            if (settings.runs(BenchStep.CONVERSION)) {
                say("conversion: %s in a child JVM (-Xmx%s) ...", choice.file(), settings.convertHeap());
                Path jfr = settings.profileDir() == null ? null : settings.profileDir().resolve("conversion.jfr").toAbsolutePath();
                conversion = ConversionBenchmark.run(settings, choice.file(), work, jfr);
                if (jfr != null && Files.isRegularFile(jfr)) conversionProfile = JfrHotspots.summarize(jfr, HOTSPOTS);
            } else {
                conversion = ConversionBenchmark.skipped("skipped with --skip conversion");
            }
        } finally {
            ConversionBenchmark.deleteQuietly(work);
        }

        say("loading %s ...", choice.file());
        BenchModel model = BenchModel.load(plugins, choice);
        ModelMetadata md = model.metadata();
        BenchInput input = BenchInput.musicLike(md, settings.seconds());

        Spectrogram stft;
        if (settings.runs(BenchStep.STFT)) {
            say("STFT/iSTFT of one segment, %d repeats ...", SpectrogramBenchmark.repeats(settings.repeat()));
            try {
                stft = SpectrogramBenchmark.run(md, input.audio(), settings.repeat());
            } catch (RuntimeException e) {
                stft = SpectrogramBenchmark.skipped(StepStatus.FAILED, RuntimeBenchmark.message(e), md);
            }
        } else {
            stft = SpectrogramBenchmark.skipped(StepStatus.SKIPPED, "skipped with --skip stft", md);
        }

        RuntimeBenchmark runtimes = new RuntimeBenchmark(plugins, model, settings, log);
        boolean timeReference = settings.runs(BenchStep.REFERENCE);
        boolean separate = settings.runs(BenchStep.SEPARATION);
        List<String> order = new ArrayList<>(settings.runtimes());
        if (timeReference && !order.contains("reference")) order.add(0, "reference");
        ReferenceSegment reference = RuntimeBenchmark.skippedSegment("skipped with --skip reference", settings.threads());
        List<Separation> separation = new ArrayList<>();
        Path referenceJfr = settings.profileDir() == null ? null : settings.profileDir().resolve("reference.jfr").toAbsolutePath();
        for (String runtime : order) {
            boolean segmentHere = timeReference && RuntimeBenchmark.isReference(runtime);
            boolean separateHere = separate && settings.runtimes().contains(runtime);
            if (!segmentHere && !separateHere) continue;
            say("%s: opening the inner network with %d threads ...", runtime, settings.threads());
            RuntimeBenchmark.Outcome outcome = runtimes.run(runtime, input, segmentHere, separateHere,
                    segmentHere ? referenceJfr : null);
            if (outcome.reference() != null) reference = outcome.reference();
            if (outcome.separation() != null) separation.add(outcome.separation());
        }
        if (!separate) {
            for (String runtime : settings.runtimes()) {
                separation.add(RuntimeBenchmark.skippedSeparation(runtime, "skipped with --skip separation", settings.threads()));
            }
        }
        Hotspots referenceProfile = referenceJfr != null && Files.isRegularFile(referenceJfr)
                ? JfrHotspots.summarize(referenceJfr, HOTSPOTS) : null;

        boolean fallback = choice.note() != null;
        ModelInfo modelInfo = new ModelInfo(model.file().toString(), model.name(), choice.note(), md.architecture(),
                md.sources(), md.sampleRate(), md.audioChannels(), md.segmentSamples(), md.nfft(), md.hop(),
                model.inner().graph().nodes().size(), model.loadSeconds());
        SettingsEcho echo = new SettingsEcho(settings.runtimes(), settings.seconds(), settings.threads(), settings.repeat(),
                settings.skip().stream().map(BenchStep::label).toList(),
                settings.torchscript() == null ? null : settings.torchscript().toString(), "-Xmx" + settings.convertHeap(),
                settings.profileDir() == null ? null : settings.profileDir().toString());
        BenchReport.InputInfo inputInfo = new BenchReport.InputInfo(input.source(), input.seconds(), input.audio().length(),
                input.audio().channels());
        Profiles profiles = settings.profileDir() == null ? null : new Profiles(conversionProfile, referenceProfile);
        return new BenchReport(BenchReport.SCHEMA, started, (System.nanoTime() - t0) / 1e9, machine,
                MachineFacts.currentLoadAverage(), echo, modelInfo, inputInfo, conversion, stft, reference, separation,
                Goals.evaluate(fallback, conversion, stft, reference, separation), profiles);
    }

    /** A TorchScript file means "also measure pytorch": the runtime is added when not listed. */
    private static BenchSettings withTorchscriptRuntime(BenchSettings s) {
        if (s.torchscript() == null || s.runtimes().contains(RuntimeBenchmark.PYTORCH)) return s;
        List<String> runtimes = new ArrayList<>(s.runtimes());
        runtimes.add(RuntimeBenchmark.PYTORCH);
        return s.withRuntimes(runtimes);
    }

    private void say(String format, Object... args) {
        log.println("[bench] " + String.format(Locale.ROOT, format, args));
        log.flush();
    }
}

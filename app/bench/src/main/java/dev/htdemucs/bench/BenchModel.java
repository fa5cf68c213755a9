package dev.htdemucs.bench;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.pipeline.ConversionPipeline;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The model a bench measures: its file, its inner network (inputs mix, spec; outputs spec_out, wave_out)
 * as an IR graph, and its metadata.
 *
 * @param note why this model was chosen when it is not the one asked for (null otherwise)
 */
record BenchModel(Path file, String name, boolean fullSizeGolden, String note, LoadedModel inner, double loadSeconds) {

    static final String FALLBACK_NOTE = "the full-size golden set " + Golden.FULL_SIZE_NAME + " was not found (set "
            + Golden.ENV_VARIABLE + " or place ../shared/golden); measuring the bundled tiny6 model instead: these"
            + " figures say nothing about the goals, which are stated for htdemucs_6s";

    /** Which file to measure: the one given, else the golden htdemucs_6s checkpoint, else tiny6. */
    record Choice(Path file, String name, boolean fullSizeGolden, String note) {}

    static Choice choose(Path requested) {
        if (requested != null) {
            return new Choice(requested, requested.getFileName().toString(), false, null);
        }
        lookBesideTheLauncher();
        Optional<GoldenSet> full = Golden.fullSize();
        if (full.isPresent() && full.get().has("model.th")) {
            return new Choice(full.get().file("model.th"), Golden.FULL_SIZE_NAME + " (golden model.th)", true, null);
        }
        return new Choice(Golden.tiny6().file("model.th"), "tiny6 (bundled model.th)", false, FALLBACK_NOTE);
    }

    /**
     * The {@code htdemucs} launcher says where the repository is ({@code -Dhtdemucs.home}); its sibling
     * {@code shared/golden} is where the golden sets live, wherever the user runs the command from. Used only
     * when neither {@code $HTDEMUCS_GOLDEN} nor the {@code htdemucs.shared.golden} property says otherwise.
     */
    private static void lookBesideTheLauncher() {
        String home = System.getProperty("htdemucs.home");
        if (home == null || System.getProperty(Golden.SYSTEM_PROPERTY) != null) return;
        Path shared = Path.of(home).resolve("../shared/golden").normalize();
        if (Files.isDirectory(shared)) System.setProperty(Golden.SYSTEM_PROPERTY, shared.toString());
    }

    /** Loads the chosen file with whichever loader accepts it and cuts it to its inner network (the conversion pipeline's first two steps). */
    static BenchModel load(Plugins plugins, Choice choice) throws PluginException {
        long t0 = System.nanoTime();
        Path file = choice.file();
        ConversionPipeline pipeline = ConversionPipeline.builder(plugins).model(file).precision(null).emitter(null).build();
        LoadedModel loaded = pipeline.load();
        if (loaded.metadata() == null) {
            throw new PluginException("the model has no separation metadata (sources, sample rate, segment, STFT"
                    + " framing), which the bench needs to drive it (" + file + ")");
        }
        LoadedModel inner = pipeline.applyPasses(loaded);
        return new BenchModel(file, choice.name(), choice.fullSizeGolden(), choice.note(), inner,
                (System.nanoTime() - t0) / 1e9);
    }

    ModelMetadata metadata() { return inner.metadata(); }
}

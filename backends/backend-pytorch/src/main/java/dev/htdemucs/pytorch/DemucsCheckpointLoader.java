package dev.htdemucs.pytorch;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.pytorch.checkpoint.Checkpoint;
import dev.htdemucs.pytorch.checkpoint.StoredTensor;
import dev.htdemucs.pytorch.htdemucs.HTDemucsConfig;
import dev.htdemucs.pytorch.htdemucs.HTDemucsGraphBuilder;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Loads a demucs v4 ({@code demucs.htdemucs.HTDemucs}) checkpoint, as released by Meta or saved by demucs'
 * {@code serialize_model}, into the IR: the full segment graph ({@code mix → stft → network → istft +
 * wave → output}) by default, or with option {@value #GRAPH_OPTION}={@value #GRAPH_INNER} the inner network
 * ({@code mix, spec → spec_out, wave_out}). No Python is involved; see {@link Checkpoint} for the reading.
 */
public final class DemucsCheckpointLoader implements ModelLoader {
    public static final String NAME = "demucs-checkpoint";
    public static final String ARCHITECTURE = "htdemucs";
    /** Option selecting the graph: {@value #GRAPH_FULL} (default) or {@value #GRAPH_INNER}. */
    public static final String GRAPH_OPTION = "graph";
    public static final String GRAPH_FULL = "full";
    public static final String GRAPH_INNER = "inner";
    static final String HTDEMUCS_CLASS = "demucs.htdemucs.HTDemucs";
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    @Override public String name() { return NAME; }

    /** The checkpoint's state dict, element count by stored dtype (released models: float16). */
    @Override public Map<DType, Long> storedParameters(Path file) throws PluginException {
        Map<DType, Long> params = new LinkedHashMap<>();
        try {
            for (StoredTensor t : Checkpoint.open(file).state().values()) params.merge(t.dtype(), t.numel(), Long::sum);
        } catch (IOException e) {
            throw new PluginException(e.getMessage(), e);
        }
        return params;
    }

    @Override public String description() {
        return "demucs v4 HTDemucs checkpoint (.th, torch zip format); option graph=full|inner";
    }

    /** A {@code .th} file starting with the zip magic (torch.save's format since torch 1.6). */
    @Override
    public boolean accepts(Path file) {
        if (!file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".th") || !Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return Arrays.equals(in.readNBytes(ZIP_MAGIC.length), ZIP_MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public LoadedModel load(Path file, Options options) throws PluginException {
        String which = options.get(GRAPH_OPTION, GRAPH_FULL);
        if (!which.equals(GRAPH_FULL) && !which.equals(GRAPH_INNER)) {
            throw new PluginException("option " + GRAPH_OPTION + " must be " + GRAPH_FULL + " or " + GRAPH_INNER
                    + ", got '" + which + "'");
        }
        Checkpoint checkpoint = open(file);
        HTDemucsConfig config = config(checkpoint);
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : checkpoint.state().entrySet()) state.put(e.getKey(), e.getValue().toTensor());
        Graph graph;
        try {
            graph = which.equals(GRAPH_INNER) ? HTDemucsGraphBuilder.buildInner(config, state)
                    : HTDemucsGraphBuilder.buildFull(config, state);
        } catch (PluginException e) {
            throw new PluginException(e.getMessage() + " (" + file + ")", e);
        } catch (IrException e) {
            throw new PluginException("cannot build the HTDemucs graph of " + file + ": " + e.getMessage(), e);
        }
        return new LoadedModel(graph, metadata(config));
    }

    /** The model's parameter count: the total element count of its state dict. */
    public long parameterCount(Path file) throws PluginException {
        return open(file).parameterCount();
    }

    /** What a host needs to drive the model, from its hyper-parameters. */
    public static ModelMetadata metadata(HTDemucsConfig config) {
        return new ModelMetadata(ARCHITECTURE, config.sources(), config.samplerate(), config.audioChannels(),
                config.segmentSamples(), config.nfft(), config.hop(), config.effectiveKwargsAsText());
    }

    private static Checkpoint open(Path file) throws PluginException {
        try {
            return Checkpoint.open(file);
        } catch (IOException e) {
            throw new PluginException("cannot read demucs checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static HTDemucsConfig config(Checkpoint checkpoint) throws PluginException {
        if (!checkpoint.klass().equals(HTDEMUCS_CLASS)) {
            throw new PluginException("checkpoint " + checkpoint.file() + " holds a " + checkpoint.klass()
                    + " model; this loader builds " + HTDEMUCS_CLASS + " (demucs v4) models");
        }
        try {
            return HTDemucsConfig.fromArguments(checkpoint.args(), checkpoint.kwargs());
        } catch (PluginException e) {
            throw new PluginException(e.getMessage() + " (" + checkpoint.file() + ")", e);
        }
    }
}

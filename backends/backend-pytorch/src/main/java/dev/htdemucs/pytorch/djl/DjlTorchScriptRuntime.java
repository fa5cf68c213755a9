package dev.htdemucs.pytorch.djl;

import dev.htdemucs.ir.Graph;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code pytorch} runtime: runs TorchScript files ({@code torch.jit.save} archives, e.g. a traced
 * demucs inner model) on libtorch for CPU (2.7.1, from the pytorch-native-cpu jar) through DJL's PyTorch engine, always offline.
 *
 * <p>Options:
 * <ul>
 *   <li>{@value #THREADS}: libtorch intra-op threads (default: libtorch's choice, one per core). This is a
 *       process-wide libtorch setting: it goes to DJL as {@code -Dai.djl.pytorch.num_threads} before the
 *       engine loads, and to {@code torch::set_num_threads} when an earlier session already loaded it.</li>
 *   <li>{@value TorchScriptIo#INPUTS}, {@value TorchScriptIo#OUTPUTS}, {@value TorchScriptIo#INPUT_SHAPES}:
 *       tensor names and declared input shapes, see {@link TorchScriptIo}.</li>
 * </ul>
 *
 * <p>Before anything touches DJL, {@link #open(Path, Options)} calls {@link DjlOffline#ensure()} (DJL calls home
 * when its engine class initialises unless offline) and points {@code DJL_CACHE_DIR} at
 * {@code ~/.cache/htdemucs-coreml/djl} unless set. This class therefore references no DJL type; all DJL
 * use is in {@link TorchScriptSession}.
 */
public final class DjlTorchScriptRuntime implements ModelRuntime {
    public static final String NAME = "pytorch";
    public static final String THREADS = "threads";

    @Override public String name() {
        return NAME;
    }

    @Override public String description() {
        return "runs TorchScript files (.pt, .torchscript) with libtorch (CPU) via DJL, offline";
    }

    /** A {@code .pt} or {@code .torchscript} zip written by {@code torch.jit.save} (not a plain {@code torch.save}). */
    @Override public boolean accepts(Path modelFile) {
        return TorchScriptArchive.isTorchScript(modelFile);
    }

    @Override public Session open(Path modelFile, Options options) throws PluginException {
        Options o = options == null ? Options.NONE : options;
        if (!Files.isRegularFile(modelFile)) {
            throw new PluginException("no TorchScript file at " + modelFile);
        }
        if (!TorchScriptArchive.isTorchScript(modelFile)) {
            throw new PluginException(modelFile + " is not a TorchScript file: expected a " + String.join(" or ",
                    TorchScriptArchive.EXTENSIONS) + " zip archive with a <name>/code/ folder, as written by torch.jit.save");
        }
        int threads;
        try {
            threads = o.getInt(THREADS, 0);
        } catch (IllegalArgumentException e) {
            throw new PluginException(e.getMessage() + " (opening " + modelFile + ")", e);
        }
        if (threads < 0) {
            throw new PluginException("option " + THREADS + " must be >= 1 (or 0 for libtorch's default), got " + threads);
        }
        Optional<TorchScriptSignature> signature = TorchScriptArchive.readSignature(modelFile);
        TorchScriptIo io = TorchScriptIo.resolve(o, signature, modelFile);
        try {
            DjlOffline.ensure();
        } catch (IllegalStateException e) {
            throw new PluginException("cannot run " + modelFile + " offline: " + e.getMessage(), e);
        }
        DjlEngineSettings.ensureCacheDir(System::getenv);
        DjlEngineSettings.requestIntraOpThreads(threads);
        return TorchScriptSession.open(modelFile, io, threads);
    }

    @Override public Session open(Graph graph, Options options) throws PluginException {
        throw new PluginException("the pytorch runtime runs TorchScript files; it cannot run the IR graph '" + graph.name()
                + "' (use the reference or onnx runtime for graphs, or give it a .pt file from torch.jit.trace/save)");
    }
}

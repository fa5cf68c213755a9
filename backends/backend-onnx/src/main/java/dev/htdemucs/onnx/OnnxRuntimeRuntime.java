package dev.htdemucs.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.ModelRuntime;
import dev.htdemucs.spi.Session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Runtime {@code onnxruntime}: Microsoft ONNX Runtime (CPU) as the cross-check runtime. Opens .onnx
 * files directly, and IR graphs by exporting them with the ONNX emitter in memory. Options:
 * {@code threads} (intra-op, default: ORT's choice), {@code inter_threads}, {@code optimization}
 * (none | basic | extended | all, default all), and for graphs the emitter's {@code opset}/{@code weights}.
 */
public final class OnnxRuntimeRuntime implements ModelRuntime {

    @Override public String name() { return "onnxruntime"; }

    @Override public String description() { return "ONNX Runtime (CPU): runs .onnx files and IR graphs exported to ONNX in memory"; }

    @Override
    public boolean accepts(Path modelFile) {
        return Files.isRegularFile(modelFile) && modelFile.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx");
    }

    @Override
    public Session open(Path modelFile, Options options) throws PluginException {
        if (!Files.isRegularFile(modelFile)) throw new PluginException("ONNX model file " + modelFile + " does not exist");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            OrtSession session = env.createSession(modelFile.toAbsolutePath().toString(), so);
            return new OnnxRuntimeSession(env, session, modelFile.toString(), null, modelFile);
        } catch (OrtException e) {
            throw new PluginException("ONNX Runtime cannot open " + modelFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Session open(Graph graph, Options options) throws PluginException {
        OnnxExportOptions exportOptions;
        try {
            exportOptions = OnnxExportOptions.from(options);
        } catch (IllegalArgumentException e) {
            throw new PluginException("onnxruntime: " + e.getMessage(), e);
        }
        byte[] model = OnnxEmitter.toBytes(new LoadedModel(graph, null), exportOptions);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = sessionOptions(options)) {
            OrtSession session = env.createSession(model, so);
            return new OnnxRuntimeSession(env, session, "graph " + graph.name(), graph, null);
        } catch (OrtException e) {
            throw new PluginException("ONNX Runtime cannot open graph " + graph.name() + " exported as ONNX opset "
                    + exportOptions.opset() + ": " + e.getMessage(), e);
        }
    }

    static OrtSession.SessionOptions sessionOptions(Options options) throws PluginException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            int threads = options.getInt("threads", 0);
            int inter = options.getInt("inter_threads", 0);
            if (threads < 0 || inter < 0) throw new PluginException("onnxruntime: threads and inter_threads must be >= 0 (0 = ORT's default)");
            if (threads > 0) so.setIntraOpNumThreads(threads);
            if (inter > 0) so.setInterOpNumThreads(inter);
            so.setOptimizationLevel(optimization(options.get("optimization", "all")));
            return so;
        } catch (OrtException e) {
            so.close();
            throw new PluginException("onnxruntime: invalid session options " + options + ": " + e.getMessage(), e);
        } catch (PluginException | RuntimeException e) {
            so.close();
            throw e instanceof PluginException p ? p : new PluginException("onnxruntime: " + e.getMessage(), e);
        }
    }

    private static OptLevel optimization(String level) throws PluginException {
        return switch (level.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> OptLevel.NO_OPT;
            case "basic" -> OptLevel.BASIC_OPT;
            case "extended" -> OptLevel.EXTENDED_OPT;
            case "all" -> OptLevel.ALL_OPT;
            default -> throw new PluginException("onnxruntime: option optimization='" + level + "' is not one of none, basic, extended, all");
        };
    }
}

package dev.htdemucs.onnx;

import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.spi.AtomicFiles;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Emitter {@code onnx}: writes the IR graph as an ONNX model (see {@link OnnxExportOptions} for the
 * options, {@link OnnxLowerings} for the op mapping, {@link OnnxMetadata} for what the file tells a host).
 * The file appears atomically: it is written next to its destination and renamed when complete.
 */
public final class OnnxEmitter implements Emitter {

    @Override public String name() { return "onnx"; }

    @Override public String description() {
        return "ONNX model (opset 17 by default; options opset=17..21, weights=fp32|fp16)";
    }

    @Override public String extension() { return ".onnx"; }

    /** The STFT/iSTFT of demucs have no ONNX form here (see {@link OnnxLowerings}): the host computes those. */
    @Override public List<String> requiredPasses() { return List.of("extract-inner"); }

    @Override
    public EmitResult emit(LoadedModel model, Path out, Options options) throws PluginException {
        long fp16Ops = model.graph().nodes().stream().filter(OnnxEmitter::computesInFp16).count();
        if (fp16Ops > 0) {
            throw new PluginException("the ONNX emitter computes in float32 only, but the graph computes "
                    + fp16Ops + " ops in fp16; use an all-fp32 plan (weights=fp16 stores the weights as float16)");
        }
        OnnxExportOptions exportOptions;
        try {
            exportOptions = OnnxExportOptions.from(options);
        } catch (IllegalArgumentException e) {
            throw new PluginException("ONNX emitter: " + e.getMessage(), e);
        }
        OnnxGraphExporter exporter = new OnnxGraphExporter(exportOptions);
        ModelProto proto = toProto(model, exporter, out.toString());
        long bytes = writeAtomically(proto, out);
        String summary = String.format("ONNX opset %d, IR version %d, %d nodes, %d initializers, weights %s, %d bytes",
                exportOptions.opset(), exportOptions.irVersion(), proto.getGraph().getNodeCount(),
                proto.getGraph().getInitializerCount(), exportOptions.fp16Weights() ? "fp16" : "fp32", bytes);
        return new EmitResult(out, bytes, exporter.opCounts(), summary);
    }

    /** An op (not const, not cast) with fp16 results, as a precision plan's casts leave it. */
    private static boolean computesInFp16(dev.htdemucs.ir.Node node) {
        if (node.op().equals("const") || node.op().equals("cast")) return false;
        return node.outputs().stream().anyMatch(v -> v.type().dtype() == dev.htdemucs.ir.DType.FLOAT16);
    }

    /** The model as ONNX bytes in memory (what the onnxruntime runtime opens for IR graphs). */
    static byte[] toBytes(LoadedModel model, OnnxExportOptions options) throws PluginException {
        return toProto(model, new OnnxGraphExporter(options), "graph " + model.graph().name()).toByteArray();
    }

    static ModelProto toProto(LoadedModel model, OnnxGraphExporter exporter, String where) throws PluginException {
        try {
            return exporter.export(model);
        } catch (OnnxConversionException e) {
            throw new PluginException("cannot export " + where + " to ONNX: " + e.getMessage(), e);
        }
    }

    private static long writeAtomically(ModelProto proto, Path out) throws PluginException {
        Path target = out.toAbsolutePath();
        long[] bytes = new long[1];
        try {
            Files.createDirectories(target.getParent());
            AtomicFiles.write(target, temp -> {
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                     OutputStream os = new BufferedOutputStream(java.nio.channels.Channels.newOutputStream(ch), 1 << 20)) {
                    proto.writeTo(os);
                    os.flush();
                    ch.force(true);
                }
                bytes[0] = Files.size(temp);
            });
            return bytes[0];
        } catch (IOException e) {
            throw new PluginException("cannot write ONNX model " + target + ": " + e.getMessage(), e);
        }
    }
}

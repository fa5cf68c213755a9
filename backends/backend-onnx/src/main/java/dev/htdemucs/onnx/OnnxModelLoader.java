package dev.htdemucs.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.StringStringEntryProto;
import dev.htdemucs.spi.InnerNetworkNames;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelLoader;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loader {@code onnx}: reads an ONNX model (such as torch.onnx's opset-17 export of the HTDemucs inner
 * network) into the IR. The file is memory-mapped and parsed with aliasing, so weights stay views of
 * the file. Options: {@code shape.<input>=d0,d1,...} fixes symbolic input dimensions;
 * {@code sources=a,b,...} and {@code samplerate=N} fill in metadata a foreign file does not carry.
 */
public final class OnnxModelLoader implements ModelLoader {

    @Override public String name() { return "onnx"; }

    @Override public String description() { return "ONNX model (.onnx), static shapes; shape subgraphs are folded at import"; }

    /** By extension, or by the first protobuf field being ModelProto.ir_version (tag 0x08) with a small version. */
    @Override
    public boolean accepts(Path file) {
        if (!Files.isRegularFile(file)) return false;
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) return true;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(2);
            return head.length == 2 && head[0] == 0x08 && head[1] > 0 && head[1] < 64;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public LoadedModel load(Path file, Options options) throws PluginException {
        try {
            ModelProto model = parse(file);
            Path dir = file.toAbsolutePath().getParent();
            return toLoadedModel(model, file.toString(), dir, options);
        } catch (OnnxConversionException e) {
            throw new PluginException(e.getMessage(), e);
        } catch (IrException | IllegalArgumentException | IllegalStateException | ArithmeticException e) {
            // graph-level checks outside any one node (duplicate input or output names, types the IR refuses)
            throw new PluginException("cannot import " + file + ": " + e.getMessage(), e);
        }
    }

    /** Imports a model already in memory (external data cannot be resolved). */
    static LoadedModel toLoadedModel(ModelProto model, String where, Path modelDir, Options options) {
        Graph graph = new OnnxGraphImporter(model, where, modelDir, options).importGraph();
        return new LoadedModel(graph, metadata(model, graph, where, options));
    }

    static ModelProto parse(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new OnnxConversionException(file + " is empty; expected an ONNX model");
            if (size > Integer.MAX_VALUE) {
                throw new OnnxConversionException(file + " is " + size + " bytes; an ONNX protobuf file is at most 2 GiB"
                        + " (larger models keep weights in external data files)");
            }
            MappedByteBuffer buffer = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
            CodedInputStream in = CodedInputStream.newInstance(buffer);
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            ModelProto model = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new OnnxConversionException(file + " is not a valid ONNX model (corrupt or truncated protobuf): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new OnnxConversionException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The model's own metadata when it was written by our emitter; otherwise what the graph's shapes
     * tell (inner-network layout: mix [1, C, L], spec [1, 2C, nfft/2, T], spec_out [1, S, ...]) plus options.
     */
    private static ModelMetadata metadata(ModelProto model, Graph graph, String where, Options options) {
        Map<String, String> props = new HashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) props.put(e.getKey(), e.getValue());
        ModelMetadata own = OnnxMetadata.fromProps(props, where);
        if (own != null) return own;
        int channels = 0, segment = 0, nfft = 0, sources = 0;
        for (var in : graph.inputs()) {
            TensorType t = in.type();
            if (in.name().equals(InnerNetworkNames.MIX) && t.rank() == 3) {
                channels = t.dim(1);
                segment = t.dim(2);
            }
            if (in.name().equals(InnerNetworkNames.SPEC) && t.rank() == 4) nfft = 2 * t.dim(2);
        }
        for (var out : graph.outputs().entrySet()) {
            if (out.getValue().type().rank() >= 2 && (InnerNetworkNames.OUTPUTS.contains(out.getKey()) || out.getKey().equals("output"))) {
                sources = out.getValue().type().dim(1);
            }
        }
        List<String> names = new ArrayList<>();
        String given = options.get("sources", null);
        if (given != null) {
            for (String s : given.split(",")) names.add(s.trim());
        } else {
            for (int i = 0; i < sources; i++) names.add("source" + i);
        }
        return new ModelMetadata(model.getProducerName().isEmpty() ? "onnx" : "onnx (" + model.getProducerName() + ")", names,
                options.getInt("samplerate", 44100), channels, segment, nfft, nfft / 4, Map.of());
    }
}

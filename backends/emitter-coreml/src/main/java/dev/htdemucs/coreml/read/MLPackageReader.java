package dev.htdemucs.coreml.read;

import com.google.protobuf.CodedInputStream;
import dev.htdemucs.coreml.Manifest;
import dev.htdemucs.coreml.MetadataKeys;
import dev.htdemucs.coreml.mil.MilTypes;
import dev.htdemucs.coreml.ops.MilOpMappings;
import dev.htdemucs.coreml.ops.UnsupportedMilException;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.ops.OpRegistry;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.ModelMetadata;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads an .mlpackage (ML Program) into an IR graph: Manifest.json → root model.mlmodel → main function,
 * with weights memory-mapped from weight.bin. The graph is checked against the IR's type inference, and its
 * inputs and outputs against the model description. MIL ops without an IR equivalent are errors naming
 * the op.
 */
public final class MLPackageReader {
    private MLPackageReader() {}

    /** Reads a package of standard ops. */
    public static MLPackage read(Path pkg) throws PluginException {
        return read(pkg, OpRegistry.standard(), MilOpMappings.standard());
    }

    /**
     * Reads a package with the ops and MIL mappings of {@code plugins} (standard and plugin ones), or of the
     * standard set when {@code plugins} is null.
     */
    public static MLPackage read(Path pkg, Plugins plugins) throws PluginException {
        return plugins == null ? read(pkg) : read(pkg, plugins.ops(), MilOpMappings.of(plugins));
    }

    /** Reads a package whose MIL ops read back through {@code mappings} into a graph of the IR ops {@code ops}. */
    public static MLPackage read(Path pkg, OpRegistry ops, MilOpMappings mappings) throws PluginException {
        String where = pkg.toString();
        try {
            Path modelFile = Manifest.rootModel(pkg);
            MlModel.Model spec;
            try (InputStream in = Files.newInputStream(modelFile)) {
                CodedInputStream coded = CodedInputStream.newInstance(in);
                coded.setRecursionLimit(1000);
                coded.setSizeLimit(Integer.MAX_VALUE);
                spec = MlModel.Model.parseFrom(coded);
            }
            if (!spec.hasMlProgram()) throw new PluginException(modelFile + " holds no ML Program (only mlProgram models are read)");
            Mil.Program program = spec.getMlProgram();
            Mil.Function main = program.getFunctionsMap().get("main");
            if (main == null) throw new PluginException(modelFile + ": the program has no function 'main'; functions: " + program.getFunctionsMap().keySet());
            List<String> outputOrder = new ArrayList<>();
            for (MlModel.FeatureDescription f : spec.getDescription().getOutputList()) outputOrder.add(f.getName());
            String graphName = pkg.getFileName().toString().replaceFirst("\\.mlpackage$", "");
            Graph graph = new ProgramReader(modelFile.getParent(), graphName, modelFile.toString(), ops, mappings).read(main, outputOrder);
            List<String> problems = new GraphValidator().problems(graph);
            if (!problems.isEmpty()) {
                throw new PluginException(modelFile + ": the program read back is not a valid IR graph:\n  " + String.join("\n  ", problems));
            }
            checkDescription(spec.getDescription(), graph, modelFile.toString());
            LoadedModel model = new LoadedModel(graph, metadata(spec.getDescription().getMetadata()));
            return new MLPackage(pkg, model, spec, main.getOpset());
        } catch (UnsupportedMilException e) {
            throw new PluginException(where + ": " + e.getMessage(), e);
        } catch (IOException | UncheckedIOException e) {
            throw new PluginException("cannot read " + where + ": " + e.getMessage(), e);
        } catch (IrException | IllegalArgumentException | ArithmeticException e) {
            throw new PluginException("cannot read " + where + ": " + e.getMessage(), e);
        }
    }

    private static void checkDescription(MlModel.ModelDescription desc, Graph graph, String where) throws PluginException {
        List<String> inputs = new ArrayList<>();
        for (MlModel.FeatureDescription f : desc.getInputList()) {
            inputs.add(f.getName());
            Value v;
            try {
                v = graph.input(f.getName());
            } catch (IrException e) {
                throw new PluginException(where + ": described input " + f.getName() + " is not an input of function main");
            }
            checkFeature(f, v.type(), where);
        }
        if (inputs.size() != graph.inputs().size()) {
            throw new PluginException(where + ": described inputs " + inputs + " differ from function main's " + graph.inputNames());
        }
        for (MlModel.FeatureDescription f : desc.getOutputList()) checkFeature(f, graph.output(f.getName()).type(), where);
    }

    private static void checkFeature(MlModel.FeatureDescription f, TensorType type, String where) throws PluginException {
        if (!f.getType().hasMultiArrayType()) throw new PluginException(where + ": feature " + f.getName() + " is not a multi-array");
        var array = f.getType().getMultiArrayType();
        int[] shape = array.getShapeList().stream().mapToInt(Long::intValue).toArray();
        if (!Arrays.equals(shape, type.shape()) || array.getDataType() != MilTypes.arrayDataType(type.dtype())) {
            throw new PluginException(where + ": feature " + f.getName() + " is described as " + array.getDataType() + Arrays.toString(shape)
                    + " but the program has " + type);
        }
    }

    /** {@link ModelMetadata} from the userDefined entries this converter writes; absent numbers read as 0. */
    static ModelMetadata metadata(MlModel.Metadata meta) {
        Map<String, String> user = meta.getUserDefinedMap();
        List<String> sources = new ArrayList<>();
        for (String s : user.getOrDefault(MetadataKeys.SOURCES, "").split(",")) if (!s.isBlank()) sources.add(s.trim());
        Map<String, String> kwargs = new TreeMap<>();
        user.forEach((k, v) -> {
            if (k.startsWith(MetadataKeys.KWARGS_PREFIX)) kwargs.put(k.substring(MetadataKeys.KWARGS_PREFIX.length()), v);
        });
        return new ModelMetadata(user.getOrDefault(MetadataKeys.ARCHITECTURE, "unknown"), sources,
                number(user, MetadataKeys.SAMPLE_RATE), number(user, MetadataKeys.AUDIO_CHANNELS),
                number(user, MetadataKeys.SEGMENT_SAMPLES), number(user, MetadataKeys.NFFT), number(user, MetadataKeys.HOP), kwargs);
    }

    private static int number(Map<String, String> user, String key) {
        String v = user.get(key);
        if (v == null || v.isBlank()) return 0;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata " + key + " = '" + v + "' is not an integer");
        }
    }
}

package dev.htdemucs.coreml;

import com.google.protobuf.CodedOutputStream;
import dev.htdemucs.coreml.blob.WeightBlobWriter;
import dev.htdemucs.coreml.ops.MilOpMappings;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.Value;
import dev.htdemucs.spi.Emitter;
import dev.htdemucs.spi.LoadedModel;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Plugins;
import dev.htdemucs.spi.UsesPlugins;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes an IR graph as a Core ML ML Program package (.mlpackage): {@code Manifest.json},
 * {@code Data/com.apple.CoreML/model.mlmodel} (a {@code CoreML.Specification.Model} with one MIL function
 * "main") and {@code Data/com.apple.CoreML/weights/weight.bin}.
 *
 * <p>Options: {@code target} = ios17 (default: opset CoreML7, specification version 8) or ios18 (CoreML8,
 * spec 9); {@code force} = true to replace an existing package; {@code author}, {@code version},
 * {@code license} for the model metadata. Each op computes in the dtype the graph declares for it (a
 * precision plan is realised as fp16 ops, casts and fp16 constants in the graph before, by {@code PrecisionCasts}
 * of module {@code precision}); model inputs and outputs keep their IR types. The same graph and options always
 * give the same bytes.
 *
 * <p>Ops are lowered by the standard {@link MilOpMappings}, plus those of the plugin jars when the emitter
 * comes from a {@link Plugins} discovery ({@link MilOpMappings#of(Plugins)}).
 */
public final class CoreMLEmitter implements Emitter, UsesPlugins {
    private Plugins plugins;

    @Override public synchronized void usePlugins(Plugins plugins) { this.plugins = plugins; }

    /** The op mappings this emitter lowers with: the standard ones, and the plugins' if it was handed any. */
    synchronized MilOpMappings mappings() throws PluginException {
        return plugins == null ? MilOpMappings.standard() : MilOpMappings.of(plugins);
    }

    @Override public String name() { return "coreml"; }

    @Override public String description() {
        return "Core ML ML Program package (.mlpackage, iOS 17+/macOS 14+; target=ios18 for Core ML 8)";
    }

    @Override public String extension() { return ".mlpackage"; }

    /** Core ML holds the network between STFT and iSTFT: the host computes those. */
    @Override public List<String> requiredPasses() { return List.of("extract-inner"); }

    @Override public EmitResult emit(LoadedModel model, Path out, Options options) throws PluginException {
        Graph graph = model.graph();
        CoreMLTarget target;
        try {
            target = CoreMLTarget.parse(options.get("target", CoreMLTarget.DEFAULT.option()));
        } catch (IllegalArgumentException e) {
            throw new PluginException("coreml emitter: " + e.getMessage());
        }
        List<Node> hostSide = graph.hostSideNodes();
        if (!hostSide.isEmpty()) {
            Node n = hostSide.get(0);
            throw new PluginException("graph " + graph.name() + " holds the host-side op " + n.op() + " (node " + n.name()
                    + "), which Core ML does not run: run the extract-inner pass first to cut the graph between STFT and iSTFT");
        }
        List<String> problems = new GraphValidator().problems(graph);
        if (!problems.isEmpty()) {
            throw new PluginException("graph " + graph.name() + " is invalid, not writing " + out + ":\n  " + String.join("\n  ", problems));
        }
        MilOpMappings mappings = mappings();
        String precisionSummary = summarize(graph);
        ProgramLowering.Lowered[] lowered = new ProgramLowering.Lowered[1];
        long[] weightBytes = new long[1];
        try {
            PackageDirectory.write(out, options.getBoolean("force", false), dir -> {
                Files.createDirectories(MLPackageLayout.weightsDir(dir));
                try (WeightBlobWriter blobs = new WeightBlobWriter(MLPackageLayout.weightFile(dir))) {
                    lowered[0] = new ProgramLowering(graph, blobs, mappings).lower();
                }
                weightBytes[0] = Files.size(MLPackageLayout.weightFile(dir));
                MlModel.Model spec = assemble(model, lowered[0], target, options, precisionSummary);
                try (OutputStream os = Files.newOutputStream(MLPackageLayout.model(dir))) {
                    CodedOutputStream coded = CodedOutputStream.newInstance(os);
                    coded.useDeterministicSerialization();
                    spec.writeTo(coded);
                    coded.flush();
                }
                Manifest.write(dir);
            });
            long bytes = PackageDirectory.size(out);
            Map<String, Integer> counts = lowered[0].opCounts();
            int ops = counts.values().stream().mapToInt(Integer::intValue).sum();
            String summary = String.format("%s: %d MIL ops (%d const), opset %s (spec %d), precision %s, weight.bin %d bytes, package %d bytes",
                    out, ops, counts.getOrDefault("const", 0), target.opset(), target.specificationVersion(), precisionSummary,
                    weightBytes[0], bytes);
            return new EmitResult(out, bytes, counts, summary);
        } catch (FileAlreadyExistsException e) {
            if (!out.toAbsolutePath().normalize().toString().equals(e.getFile())) {
                throw new PluginException("cannot write " + out + ": " + describe(e), e);
            }
            throw new PluginException("cannot write " + out + ": it already exists; pass the option force=true to replace it", e);
        } catch (IrException e) {
            throw new PluginException("cannot emit graph " + graph.name() + " to " + out + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new PluginException("cannot write " + out + ": " + describe(e), e);
        } catch (java.io.UncheckedIOException e) {
            throw new PluginException("cannot write " + out + ": " + describe(e.getCause()), e);
        } catch (Exception e) {
            throw new PluginException("cannot emit graph " + graph.name() + " to " + out + ": " + e, e);
        }
    }

    private static MlModel.Model assemble(LoadedModel model, ProgramLowering.Lowered lowered, CoreMLTarget target,
                                          Options options, String precisionSummary) {
        Graph graph = model.graph();
        MlModel.ModelDescription.Builder desc = MlModel.ModelDescription.newBuilder();
        for (Value in : graph.inputs()) {
            String name = lowered.inputNames().get(in.name());
            desc.addInput(ModelDescriptions.feature(name, in.type(), ModelDescriptions.describe(name, in, model.metadata(), true)));
        }
        graph.outputs().forEach((outName, v) -> {
            String name = lowered.outputNames().get(outName);
            desc.addOutput(ModelDescriptions.feature(name, v.type(), ModelDescriptions.describe(name, v, model.metadata(), false)));
        });
        desc.setMetadata(ModelDescriptions.metadata(model.metadata(), options, target, precisionSummary));

        Mil.Block block = Mil.Block.newBuilder().addAllOutputs(lowered.outputs()).addAllOperations(lowered.operations()).build();
        Mil.Function main = Mil.Function.newBuilder().addAllInputs(lowered.inputs()).setOpset(target.opset())
                .putBlockSpecializations(target.opset(), block).build();
        Mil.Program program = Mil.Program.newBuilder().setVersion(1).putFunctions("main", main).build();
        return MlModel.Model.newBuilder().setSpecificationVersion(target.specificationVersion())
                .setDescription(desc).setMlProgram(program).build();
    }

    /**
     * An I/O failure in words: a {@link FileSystemException}'s message is just a path for some subclasses
     * ("/x/.m.mlpackage.tmp-1-ab"), so say what went wrong and where.
     */
    static String describe(IOException e) {
        if (!(e instanceof FileSystemException f)) return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        String what;
        if (f instanceof AccessDeniedException) what = "permission denied";
        else if (f instanceof NoSuchFileException) what = "no such file or directory";
        else if (f instanceof NotDirectoryException) what = "not a directory";
        else if (f instanceof FileAlreadyExistsException) what = "already exists";
        else if (f instanceof DirectoryNotEmptyException) what = "directory not empty";
        else what = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        return f.getFile() == null ? what : what + ": " + f.getFile();
    }

    /**
     * "fp32", "fp16", or "mixed (N fp16 ops, M fp32 ops)", counting the ops with floating-point results (not
     * const, not cast) by the dtype they declare.
     */
    static String summarize(Graph graph) {
        int fp16 = 0, fp32 = 0;
        for (Node n : graph.nodes()) {
            if (n.op().equals("const") || n.op().equals("cast")) continue;
            if (!n.outputs().stream().allMatch(v -> v.type().dtype().isFloatingPoint())) continue;
            if (n.outputs().get(0).type().dtype() == dev.htdemucs.ir.DType.FLOAT16) fp16++;
            else fp32++;
        }
        if (fp16 == 0) return "fp32";
        if (fp32 == 0) return "fp16";
        return "mixed (" + fp16 + " fp16 ops, " + fp32 + " fp32 ops)";
    }
}

package dev.htdemucs.onnx;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.GraphValidator;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.onnx.proto.OnnxProto.GraphProto;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;
import dev.htdemucs.onnx.proto.OnnxProto.OperatorSetIdProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorShapeProto;
import dev.htdemucs.onnx.proto.OnnxProto.TypeProto;
import dev.htdemucs.onnx.proto.OnnxProto.ValueInfoProto;
import dev.htdemucs.spi.Options;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * ONNX graph → IR graph, for static-shape models. Every value is either known at import time (an
 * initializer, a Constant, or anything computed only from those and from shapes) and kept as a tensor,
 * or computed from the graph inputs and lowered to IR ops by {@link OnnxOpImporters}. Known tensors
 * become IR consts only where an IR op uses them, so shape arithmetic leaves no trace in the IR.
 */
final class OnnxGraphImporter {
    private final ModelProto model;
    private final String file;
    private final Path modelDir;
    private final Options options;
    private final int opset;
    private final GraphBuilder builder;

    private final Map<String, TensorProto> initializers = new HashMap<>();
    private final Map<String, Tensor> known = new HashMap<>();
    private final Map<String, Value> computed = new HashMap<>();
    private final Map<String, Value> materialized = new HashMap<>();
    private Map<String, NodeProto> constantNodes;

    /**
     * @param file     the model's name for messages
     * @param modelDir where external data files are resolved; null for in-memory models
     */
    OnnxGraphImporter(ModelProto model, String file, Path modelDir, Options options) {
        this.model = model;
        this.file = file;
        this.modelDir = modelDir;
        this.options = options;
        this.opset = defaultOpset(model, file);
        GraphProto g = model.getGraph();
        this.builder = new GraphBuilder(g.getName().isEmpty() ? "onnx" : g.getName());
    }

    int opset() { return opset; }

    private static int defaultOpset(ModelProto model, String file) {
        if (!model.hasGraph()) {
            throw new OnnxConversionException(file + " is not an ONNX model: it has no graph (corrupt, truncated, or another kind of file)");
        }
        if (!model.hasIrVersion() || model.getIrVersion() < 3) {
            throw new OnnxConversionException(file + ": ir_version " + (model.hasIrVersion() ? model.getIrVersion() : "missing")
                    + "; expected an ONNX model of IR version 3 or later (corrupt or truncated file?)");
        }
        Long v = null;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) v = o.getVersion();
        }
        if (v == null) {
            throw new OnnxConversionException(file + " imports no version of the default ONNX operator set (opset_import for domain \"\" is missing;"
                    + " corrupt or truncated file?)");
        }
        if (v < 1 || v > Integer.MAX_VALUE) throw new OnnxConversionException(file + ": default opset version " + v + " is not a valid version");
        return (int) v.longValue();
    }

    Graph importGraph() {
        GraphProto g = model.getGraph();
        for (TensorProto t : g.getInitializerList()) initializers.put(t.getName(), t);
        for (ValueInfoProto in : g.getInputList()) {
            if (initializers.containsKey(in.getName())) continue;
            String name = in.getName();
            computed.put(name, builder.input(name, inputType(in)));
        }
        Set<String> outputs = new HashSet<>();
        for (ValueInfoProto o : g.getOutputList()) outputs.add(o.getName());
        List<NodeProto> nodes = new GeluPatternFusion(g.getNodeList(), this::scalarConstant, outputs).apply();
        OnnxOpImporters importers = new OnnxOpImporters();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto node = nodes.get(i);
            String nodeName = node.getName().isEmpty() ? node.getOpType() + "_" + i : node.getName();
            NodeContext ctx = new NodeContext(node, nodeName);
            ctx.checkDomain();
            try {
                importNode(ctx, importers);
            } catch (OnnxConversionException e) {
                throw e;
            } catch (IrException | IllegalArgumentException | IllegalStateException e) {
                throw new OnnxConversionException(ctx.where + ": " + e.getMessage(), e);
            }
        }
        for (ValueInfoProto o : g.getOutputList()) {
            Value v = lookup(o.getName(), "graph output '" + o.getName() + "'");
            checkDeclaredType(o, v.type());
            builder.output(o.getName(), v);
        }
        Graph graph = builder.build();
        try {
            new GraphValidator().validate(graph);
        } catch (IrException e) {
            throw new OnnxConversionException(file + ": the imported graph is invalid: " + e.getMessage(), e);
        }
        return graph;
    }

    private void importNode(NodeContext ctx, OnnxOpImporters importers) {
        String op = ctx.node.getOpType();
        if (op.equals("Shape") && ctx.hasInput(0)) {
            ctx.defineKnown(0, OnnxConstantFolder.shapeOf(ctx.type(0).shape(), ctx.foldInputs(List.of())));
            return;
        }
        boolean allKnown = true;
        for (int i = 0; i < ctx.node.getInputCount(); i++) if (ctx.hasInput(i) && !ctx.isKnown(i)) allKnown = false;
        if (allKnown && OnnxConstantFolder.canFold(op)) {
            List<Tensor> in = new ArrayList<>();
            for (int i = 0; i < ctx.node.getInputCount(); i++) in.add(ctx.hasInput(i) ? ctx.known(i) : null);
            List<Tensor> out = OnnxConstantFolder.fold(op, ctx.foldInputs(in));
            for (int i = 0; i < out.size() && i < ctx.node.getOutputCount(); i++) ctx.defineKnown(i, out.get(i));
            return;
        }
        if (importers.supports(op)) {
            importers.importNode(op, ctx);
            return;
        }
        if (OnnxConstantFolder.canFold(op)) {
            for (int i = 0; i < ctx.node.getInputCount(); i++) {
                if (ctx.hasInput(i) && !ctx.isKnown(i)) {
                    throw new OnnxConversionException(ctx.where + ": " + op + " is only supported on values known at import time,"
                            + " but input " + i + " '" + ctx.node.getInput(i) + "' is computed from the graph inputs");
                }
            }
        }
        throw new OnnxConversionException(ctx.where + ": ONNX op type '" + op + "' is not supported by the importer;"
                + " supported on graph data: " + importers.supported() + "; evaluated when constant: " + OnnxConstantFolder.foldableOps());
    }

    private TensorType inputType(ValueInfoProto in) {
        String where = file + ": graph input '" + in.getName() + "'";
        TypeProto t = in.getType();
        if (!t.hasTensorType()) throw new OnnxConversionException(where + " is not a tensor");
        DType dtype = OnnxDataTypes.fromOnnx(t.getTensorType().getElemType(), where);
        String override = options.get("shape." + in.getName(), null);
        if (override != null) return new TensorType(dtype, parseShape(override, where));
        if (!t.getTensorType().hasShape()) {
            throw new OnnxConversionException(where + " has no shape; give it with option shape." + in.getName() + "=d0,d1,...");
        }
        List<TensorShapeProto.Dimension> dims = t.getTensorType().getShape().getDimList();
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            if (!d.hasDimValue()) {
                throw new OnnxConversionException(where + " has symbolic dimension " + i + " ('" + d.getDimParam() + "'); the IR needs static"
                        + " shapes: give them with option shape." + in.getName() + "=d0,d1,...");
            }
            if (d.getDimValue() < 0 || d.getDimValue() > Integer.MAX_VALUE) {
                throw new OnnxConversionException(where + " has dimension " + i + " of " + d.getDimValue()
                        + "; expected 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) d.getDimValue();
        }
        try {
            return new TensorType(dtype, shape);
        } catch (IllegalArgumentException e) {
            throw new OnnxConversionException(where + ": " + e.getMessage(), e);
        }
    }

    private static int[] parseShape(String s, String where) {
        try {
            return Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new OnnxConversionException(where + ": shape option '" + s + "' should be comma-separated integers");
        }
    }

    private void checkDeclaredType(ValueInfoProto o, TensorType actual) {
        TypeProto t = o.getType();
        if (!t.hasTensorType()) return;
        String where = file + ": graph output '" + o.getName() + "'";
        if (t.getTensorType().hasElemType() && t.getTensorType().getElemType() != 0) {
            DType declared = OnnxDataTypes.fromOnnx(t.getTensorType().getElemType(), where);
            if (declared != actual.dtype()) throw new OnnxConversionException(where + " is declared " + declared + " but computes " + actual);
        }
        if (!t.getTensorType().hasShape()) return;
        List<TensorShapeProto.Dimension> dims = t.getTensorType().getShape().getDimList();
        boolean mismatch = dims.size() != actual.rank();
        for (int i = 0; !mismatch && i < dims.size(); i++) {
            if (dims.get(i).hasDimValue() && dims.get(i).getDimValue() != actual.dim(i)) mismatch = true;
        }
        if (mismatch) throw new OnnxConversionException(where + " is declared with shape " + describe(dims) + " but the graph computes " + actual);
    }

    private static String describe(List<TensorShapeProto.Dimension> dims) {
        List<String> s = new ArrayList<>();
        for (TensorShapeProto.Dimension d : dims) s.add(d.hasDimValue() ? Long.toString(d.getDimValue()) : d.getDimParam());
        return s.toString();
    }

    /** Value of a one-element constant, for pattern matching before import. */
    private Double scalarConstant(String name) {
        if (constantNodes == null) {
            constantNodes = new HashMap<>();
            for (NodeProto n : model.getGraph().getNodeList()) {
                if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) constantNodes.put(n.getOutput(0), n);
            }
        }
        TensorProto t = initializers.get(name);
        if (t == null && constantNodes.containsKey(name)) t = OnnxAttributes.of(constantNodes.get(name), name).tensor("value");
        if (t == null) return null;
        try {
            Tensor v = OnnxTensors.fromProto(t, name, modelDir);
            return v.numel() == 1 && v.dtype().isFloatingPoint() ? (double) v.toFloatArray()[0] : null;
        } catch (OnnxConversionException e) {
            return null;
        }
    }

    private Tensor knownTensor(String name) {
        Tensor t = known.get(name);
        if (t == null && initializers.containsKey(name)) {
            t = OnnxTensors.fromProto(initializers.get(name), file + ": initializer '" + name + "'", modelDir);
            known.put(name, t);
        }
        return t;
    }

    private Value lookup(String name, String where) {
        Value v = computed.get(name);
        if (v != null) return v;
        Tensor t = knownTensor(name);
        if (t == null) {
            throw new OnnxConversionException(file + ": " + where + " uses value '" + name + "', which no initializer, graph input or"
                    + " earlier node defines (truncated file, or nodes out of order?)");
        }
        return materialized.computeIfAbsent(name, n -> builder.constant(constName(n), t));
    }

    private static String constName(String onnxName) {
        String n = onnxName.startsWith("onnx::") ? onnxName.substring(6) : onnxName;
        return n.isEmpty() ? "const" : n;
    }

    /** What an op importer sees of one ONNX node. */
    final class NodeContext {
        final NodeProto node;
        final String name;
        final String where;
        final OnnxAttributes attributes;

        NodeContext(NodeProto node, String name) {
            this.node = node;
            this.name = name;
            this.where = file + ": node '" + name + "' (" + node.getOpType() + ")";
            this.attributes = OnnxAttributes.of(node, where);
        }

        void checkDomain() {
            String d = node.getDomain();
            if (!d.isEmpty() && !d.equals("ai.onnx")) {
                throw new OnnxConversionException(where + " is in operator domain '" + d + "'; only the default ONNX domain is supported");
            }
        }

        int opset() { return opset; }

        OnnxAttributes attributes() { return attributes; }

        OnnxConversionException error(String message) { return new OnnxConversionException(where + ": " + message); }

        int inputCount() { return node.getInputCount(); }

        boolean hasInput(int i) { return i < node.getInputCount() && !node.getInput(i).isEmpty(); }

        boolean isKnown(int i) {
            String n = node.getInput(i);
            return !computed.containsKey(n) && knownTensor(n) != null;
        }

        /** The tensor of an input that must be known at import time (weights, shapes, axes, pads ...). */
        Tensor known(int i) {
            if (!hasInput(i)) throw error("required input " + i + " is missing");
            String n = node.getInput(i);
            if (computed.containsKey(n)) {
                throw error("input " + i + " '" + n + "' must be known at import time (a constant or computed from constants and shapes),"
                        + " but it is computed from the graph inputs");
            }
            Tensor t = knownTensor(n);
            if (t == null) lookup(n, "node '" + name + "'");
            return t;
        }

        /** An input as an IR value; known tensors become IR consts. */
        Value value(int i) {
            if (!hasInput(i)) throw error("required input " + i + " is missing");
            return lookup(node.getInput(i), "node '" + name + "'");
        }

        Value optionalValue(int i) { return hasInput(i) ? value(i) : null; }

        TensorType type(int i) {
            String n = node.getInput(i);
            Value v = computed.get(n);
            if (v != null) return v.type();
            return known(i).type();
        }

        Value op(String irOp, Attributes attributes, Value... inputs) {
            return builder.op(irOp, name, attributes, inputs);
        }

        List<Value> opMulti(String irOp, Attributes attributes, Value... inputs) {
            return builder.opMulti(irOp, name, attributes, inputs);
        }

        Value constant(String suffix, Tensor t) { return builder.constant(name + "/" + suffix, t); }

        void define(int output, Value v) {
            if (output < node.getOutputCount() && !node.getOutput(output).isEmpty()) computed.put(node.getOutput(output), v);
        }

        void defineKnown(int output, Tensor t) {
            if (output < node.getOutputCount() && !node.getOutput(output).isEmpty()) known.put(node.getOutput(output), t);
        }

        /** Whether output {@code i} exists and some node or the graph output list reads it. */
        boolean outputUsed(int i) {
            if (i >= node.getOutputCount() || node.getOutput(i).isEmpty()) return false;
            String n = node.getOutput(i);
            for (ValueInfoProto o : model.getGraph().getOutputList()) if (o.getName().equals(n)) return true;
            for (NodeProto other : model.getGraph().getNodeList()) if (other.getInputList().contains(n)) return true;
            return false;
        }

        OnnxConstantFolder.Inputs foldInputs(List<Tensor> tensors) {
            return new OnnxConstantFolder.Inputs(tensors, node.getOutputCount(), attributes, opset, where);
        }
    }
}

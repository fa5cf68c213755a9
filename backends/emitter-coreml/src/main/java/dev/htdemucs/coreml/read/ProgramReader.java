package dev.htdemucs.coreml.read;

import dev.htdemucs.coreml.blob.BlobFormatException;
import dev.htdemucs.coreml.blob.WeightBlobFile;
import dev.htdemucs.coreml.mil.MilOperation;
import dev.htdemucs.coreml.mil.MilTypes;
import dev.htdemucs.coreml.mil.MilValues;
import dev.htdemucs.coreml.ops.MilOpMapping;
import dev.htdemucs.coreml.ops.MilOpMappings;
import dev.htdemucs.coreml.ops.ReadingContext;
import dev.htdemucs.coreml.ops.UnsupportedMilException;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.ir.ops.OpRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the main function of a MIL program back into an IR graph, op by op through {@link MilOpMappings}.
 * MIL const ops become IR const nodes only where a tensor parameter uses them; parameters such as axes or
 * strides are read from the consts into IR attributes. Blob constants are views of the memory-mapped
 * weight file. Every IR node takes the MIL op's output names and declared types.
 */
final class ProgramReader implements ReadingContext {
    private static final String MODEL_PATH_PREFIX = "@model_path/";
    /**
     * Integer and bool parameters (axes, pads, perm, split_sizes ...) have a few entries per dimension; a
     * const far larger than this is not such a parameter, and is refused before it is decoded.
     */
    static final int MAX_PARAMETER_ELEMENTS = 1 << 16;

    private final Path modelDir;
    private final String where;
    private final GraphBuilder graph;
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, Mil.Value> constants = new HashMap<>();
    private final Map<String, Value> constantNodes = new HashMap<>();
    private final Map<Path, WeightBlobFile> blobFiles = new HashMap<>();

    private final MilOpMappings mappings;

    /**
     * @param modelDir the directory holding model.mlmodel, which "@model_path/" refers to
     * @param ops      the IR ops of the graph read (the standard ones, or a discovery's with plugin ops)
     * @param mappings how each MIL op reads back
     */
    ProgramReader(Path modelDir, String graphName, String where, OpRegistry ops, MilOpMappings mappings) {
        this.modelDir = modelDir;
        this.where = where;
        this.graph = new GraphBuilder(graphName, ops);
        this.mappings = mappings;
    }

    Graph read(Mil.Function function, List<String> outputOrder) {
        Mil.Block block = function.getBlockSpecializationsMap().get(function.getOpset());
        if (block == null) throw new IllegalArgumentException(where + ": function main has no block for its opset " + function.getOpset());
        for (Mil.NamedValueType in : function.getInputsList()) {
            values.put(in.getName(), graph.input(in.getName(), MilTypes.irType(in.getType(), where + " input " + in.getName())));
        }
        for (Mil.Operation proto : block.getOperationsList()) {
            MilOperation op = new MilOperation(proto);
            if (op.type().equals("const")) {
                readConst(op);
                continue;
            }
            if (proto.getBlocksCount() > 0) throw new UnsupportedMilException(op.where() + ": control flow (nested blocks) has no IR equivalent");
            MilOpMapping mapping = mappings.forMilOp(op.type()).orElseThrow(() -> new UnsupportedMilException(
                    op.where() + " has no IR equivalent; readable MIL ops: const, " + String.join(", ", mappings.milOps().keySet())));
            mapping.read(op, this);
        }
        List<String> names = outputOrder.isEmpty() ? block.getOutputsList() : outputOrder;
        for (String name : names) {
            if (!block.getOutputsList().contains(name)) throw new IllegalArgumentException(where + ": model output " + name + " is not an output of the main block");
            Value v = values.get(name);
            if (v == null && constants.containsKey(name)) v = constantNode(name);
            if (v == null) throw new IllegalArgumentException(where + ": block output " + name + " is not defined");
            graph.output(name, v);
        }
        return graph.build();
    }

    private void readConst(MilOperation op) {
        Mil.Value val = op.proto().getAttributesMap().get("val");
        if (val == null) throw new IllegalArgumentException(op.where() + ": const without a 'val' attribute");
        if (op.proto().getOutputsCount() != 1) throw new IllegalArgumentException(op.where() + ": const must have one output");
        constants.put(op.proto().getOutputs(0).getName(), val);
    }

    private Value constantNode(String name) {
        Value v = constantNodes.get(name);
        if (v == null) {
            v = graph.constant(name, tensorOf(constants.get(name), name));
            constantNodes.put(name, v);
        }
        return v;
    }

    private Tensor tensorOf(Mil.Value val, String name) {
        String what = where + " const " + name;
        TensorType type = MilTypes.irType(val.getType(), what);
        if (val.hasBlobFileValue()) {
            Mil.Value.BlobFileValue ref = val.getBlobFileValue();
            try {
                return blobFile(ref.getFileName(), what).tensor(ref.getOffset(), type);
            } catch (BlobFormatException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
        }
        if (!val.hasImmediateValue() || !val.getImmediateValue().hasTensor()) {
            throw new IllegalArgumentException(what + ": neither an immediate tensor nor a blob reference");
        }
        return MilValues.decodeTensor(val.getImmediateValue().getTensor(), type, what);
    }

    private WeightBlobFile blobFile(String reference, String what) {
        if (!reference.startsWith(MODEL_PATH_PREFIX)) {
            throw new IllegalArgumentException(what + ": blob file '" + reference + "' is not under " + MODEL_PATH_PREFIX);
        }
        Path file = modelDir.resolve(reference.substring(MODEL_PATH_PREFIX.length())).normalize();
        if (!file.startsWith(modelDir.normalize())) throw new IllegalArgumentException(what + ": blob file '" + reference + "' leaves the package");
        return blobFiles.computeIfAbsent(file, f -> {
            try {
                return WeightBlobFile.open(f);
            } catch (IOException e) {
                throw new UncheckedIOException(what + ": cannot open weight file " + f + ": " + e.getMessage(), e);
            }
        });
    }

    // ---- ReadingContext ----

    private Mil.Argument.Binding single(MilOperation op, String param) {
        Mil.Argument arg = op.argument(param);
        if (arg == null) return null;
        if (arg.getArgumentsCount() != 1) {
            throw new UnsupportedMilException(op.where() + ": parameter " + param + " has " + arg.getArgumentsCount() + " bindings, expected 1");
        }
        return arg.getArguments(0);
    }

    private Value valueOf(MilOperation op, String param, Mil.Argument.Binding b) {
        if (b.hasValue()) {
            return graph.constant(op.name() + "_" + param, tensorOf(b.getValue(), op.name() + "." + param));
        }
        String name = b.getName();
        if (constants.containsKey(name)) return constantNode(name);
        Value v = values.get(name);
        if (v == null) throw new IllegalArgumentException(op.where() + ": parameter " + param + " uses " + name + ", which is not defined before it");
        return v;
    }

    @Override public Value tensor(MilOperation op, String param) {
        Mil.Argument.Binding b = single(op, param);
        return b == null ? null : valueOf(op, param, b);
    }

    @Override public List<Value> tensors(MilOperation op, String param) {
        Mil.Argument arg = op.argument(param);
        if (arg == null) throw new UnsupportedMilException(op.where() + ": missing parameter " + param);
        List<Value> out = new ArrayList<>();
        for (Mil.Argument.Binding b : arg.getArgumentsList()) out.add(valueOf(op, param, b));
        return out;
    }

    @Override public TensorType type(MilOperation op, String param) {
        Mil.Argument.Binding b = single(op, param);
        if (b == null) throw new UnsupportedMilException(op.where() + ": missing parameter " + param);
        if (b.hasValue()) return MilTypes.irType(b.getValue().getType(), where + " " + op.where() + " inline value of " + param);
        if (constants.containsKey(b.getName())) return MilTypes.irType(constants.get(b.getName()).getType(), where + " const " + b.getName());
        Value v = values.get(b.getName());
        if (v == null) throw new IllegalArgumentException(op.where() + ": parameter " + param + " uses undefined " + b.getName());
        return v.type();
    }

    @Override public boolean has(MilOperation op, String param) { return op.has(param); }

    /**
     * The constant bound to a scalar or small vector parameter, or null when absent; an error when the value
     * is not constant or has more than {@link #MAX_PARAMETER_ELEMENTS} elements (checked on the declared type,
     * before decoding).
     */
    private Tensor constantParameter(MilOperation op, String param) {
        Mil.Argument.Binding b = single(op, param);
        if (b == null) return null;
        Mil.Value val = b.hasValue() ? b.getValue() : constants.get(b.getName());
        if (val == null) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be a const, found value " + b.getName());
        String name = b.hasValue() ? op.name() + "." + param : b.getName();
        TensorType type = MilTypes.irType(val.getType(), where + " const " + name);
        if (type.numel() > MAX_PARAMETER_ELEMENTS) {
            throw new UnsupportedMilException(op.where() + ": parameter " + param + " is " + type + ", more than the "
                    + MAX_PARAMETER_ELEMENTS + " elements a parameter can have");
        }
        return tensorOf(val, name);
    }

    private Mil.Value constantProto(MilOperation op, String param) {
        Mil.Argument.Binding b = single(op, param);
        if (b == null) return null;
        if (b.hasValue()) return b.getValue();
        Mil.Value val = constants.get(b.getName());
        if (val == null) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be a const, found value " + b.getName());
        return val;
    }

    @Override public int[] ints(MilOperation op, String param) {
        int[] v = ints(op, param, null);
        if (v == null) throw new UnsupportedMilException(op.where() + ": missing parameter " + param);
        return v;
    }

    @Override public int[] ints(MilOperation op, String param, int[] dflt) {
        Tensor t = constantParameter(op, param);
        if (t == null) return dflt;
        if (t.dtype().isFloatingPoint() || t.dtype() == DType.BOOL) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be integers, found " + t.type());
        long[] l = t.toLongArray();
        int[] out = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            if (l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) {
                throw new UnsupportedMilException(op.where() + ": parameter " + param + " holds " + l[i] + ", beyond 32-bit integers");
            }
            out[i] = (int) l[i];
        }
        return out;
    }

    @Override public int intScalar(MilOperation op, String param, int dflt) {
        int[] v = ints(op, param, null);
        if (v == null) return dflt;
        if (v.length != 1) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be one integer");
        return v[0];
    }

    @Override public boolean bool(MilOperation op, String param, boolean dflt) {
        boolean[] v = bools(op, param);
        if (v == null) return dflt;
        if (v.length != 1) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be one bool");
        return v[0];
    }

    @Override public boolean[] bools(MilOperation op, String param) {
        Tensor t = constantParameter(op, param);
        if (t == null) return null;
        if (t.dtype() != DType.BOOL) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be bool, found " + t.type());
        long[] l = t.toLongArray();
        boolean[] out = new boolean[l.length];
        for (int i = 0; i < l.length; i++) out[i] = l[i] != 0;
        return out;
    }

    @Override public String string(MilOperation op, String param, String dflt) {
        Mil.Value v = constantProto(op, param);
        return v == null ? dflt : MilValues.decodeString(v, op.where() + " " + param);
    }

    @Override public float[] reals(MilOperation op, String param) {
        Tensor t = constantParameter(op, param);
        if (t == null) return null;
        if (!t.dtype().isFloatingPoint()) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be floats, found " + t.type());
        return t.toFloatArray();
    }

    @Override public double real(MilOperation op, String param, double dflt) {
        Tensor t = constantParameter(op, param);
        if (t == null) return dflt;
        if (t.numel() != 1 || !t.dtype().isFloatingPoint()) throw new UnsupportedMilException(op.where() + ": parameter " + param + " must be one float");
        return t.toFloatArray()[0];
    }

    @Override public TensorType outputType(MilOperation op, int index) {
        if (index >= op.proto().getOutputsCount()) {
            throw new UnsupportedMilException(op.where() + ": has " + op.proto().getOutputsCount() + " outputs, expected at least " + (index + 1));
        }
        Mil.NamedValueType o = op.proto().getOutputs(index);
        return MilTypes.irType(o.getType(), where + " " + op.where() + " output " + o.getName());
    }

    @Override public void define(MilOperation op, String irOp, Attributes attributes, Value... inputs) {
        if (op.proto().getOutputsCount() == 0) throw new UnsupportedMilException(op.where() + ": has no outputs");
        List<TensorType> types = new ArrayList<>();
        for (int i = 0; i < op.proto().getOutputsCount(); i++) types.add(outputType(op, i));
        List<String> names = op.outputNames();
        List<Value> outs = graph.opDeclared(irOp, names.get(0), attributes, types, names, inputs);
        for (int i = 0; i < outs.size(); i++) {
            if (values.put(names.get(i), outs.get(i)) != null) throw new IllegalArgumentException(op.where() + ": output " + names.get(i) + " is defined twice");
        }
    }
}

package dev.htdemucs.pytorch.djl;

import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Utils;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.PluginException;
import dev.htdemucs.spi.Session;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A TorchScript file loaded into libtorch through DJL. Each {@link #run} feeds the named float32 tensors to
 * {@code forward} in {@link TorchScriptIo#inputs()} order, in inference mode (DJL's PyTorch engine turns
 * autograd off), and names the returned tensors by position.
 *
 * <p><b>Memory.</b> Inputs are copied into libtorch tensors owned by a per-run {@link NDManager}; results are
 * copied back to heap tensors and that manager is closed before {@code run} returns, so nothing native
 * outlives a run except the model, freed by {@link #close()}.
 *
 * <p><b>Types.</b> TorchScript files do not record shapes: {@link #inputTypes()} and {@link #outputTypes()}
 * report the shapes of the last successful run, or (inputs) those declared by option
 * {@value TorchScriptIo#INPUT_SHAPES}; before that a tensor's shape is reported as empty (rank 0, unknown).
 * Declaring shapes matters for traced models: their graph is specialised to the traced shapes but libtorch
 * checks only what individual ops need, so e.g. the tiny6 inner model traced with 22 frames runs a 21-frame
 * {@code spec} without complaint and returns a 21-frame {@code spec_out} next to a full-length
 * {@code wave_out}. Only declared shapes are checked here.
 *
 * <p>This is the only class of the runtime that touches DJL; {@link DjlTorchScriptRuntime} calls
 * {@link DjlOffline#ensure()} before it first uses this class.
 */
final class TorchScriptSession implements Session {
    private final Path file;
    private final TorchScriptIo io;
    private final ZooModel<NDList, NDList> model;
    private final Map<String, TensorType> inputTypes = new LinkedHashMap<>();
    private final Map<String, TensorType> outputTypes = new LinkedHashMap<>();
    private boolean closed;

    private TorchScriptSession(Path file, TorchScriptIo io, ZooModel<NDList, NDList> model) {
        this.file = file;
        this.io = io;
        this.model = model;
        for (String name : io.inputs()) {
            int[] declared = io.inputShapes().get(name);
            inputTypes.put(name, declared == null ? TensorType.f32() : TensorType.f32(declared));
        }
        for (String name : io.outputs()) {
            outputTypes.put(name, TensorType.f32());
        }
    }

    /**
     * Loads {@code file}. The caller has run {@link DjlOffline#ensure()} and {@link DjlEngineSettings}; this
     * checks offline mode once more with DJL's own test before anything initialises DJL's engine.
     *
     * @param threads libtorch intra-op threads, 0 for libtorch's default
     */
    static TorchScriptSession open(Path file, TorchScriptIo io, int threads) throws PluginException {
        if (!Utils.isOfflineMode()) {
            throw new PluginException("DJL is not in offline mode (system property " + DjlOffline.OFFLINE_PROPERTY + "="
                    + System.getProperty(DjlOffline.OFFLINE_PROPERTY) + ", environment " + DjlOffline.OFFLINE_ENV + "="
                    + System.getenv(DjlOffline.OFFLINE_ENV) + "); refusing to start its engine, which would call home");
        }
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file)
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator())
                .build();
        ZooModel<NDList, NDList> model;
        try {
            model = criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException e) {
            throw new PluginException("cannot load TorchScript file " + file + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new PluginException("libtorch (DJL PyTorch engine) cannot load TorchScript file " + file + ": "
                    + torchMessage(e), e);
        } catch (RuntimeException e) {
            throw new PluginException("DJL's PyTorch engine did not start for " + file + " (are pytorch-engine, pytorch-jni"
                    + " and pytorch-native-cpu on the class path?): " + e, e);
        }
        try {
            if (threads > 0 && JniUtils.getNumThreads() != threads) {
                // The engine was already loaded by an earlier session, so the property no longer applies.
                JniUtils.setNumThreads(threads);
            }
        } catch (RuntimeException e) {
            model.close();
            throw new PluginException("cannot set libtorch to " + threads + " threads: " + e.getMessage(), e);
        }
        return new TorchScriptSession(file, io, model);
    }

    @Override public synchronized Map<String, TensorType> inputTypes() {
        return new LinkedHashMap<>(inputTypes);
    }

    @Override public synchronized Map<String, TensorType> outputTypes() {
        return new LinkedHashMap<>(outputTypes);
    }

    @Override public synchronized Map<String, Tensor> run(Map<String, Tensor> inputs) throws PluginException {
        if (closed) {
            throw new PluginException("the pytorch session on " + file + " is closed");
        }
        checkInputs(inputs);
        try (NDManager runManager = model.getNDManager().newSubManager()) {
            NDList feeds = new NDList(io.inputs().size());
            for (String name : io.inputs()) {
                Tensor t = inputs.get(name);
                feeds.add(runManager.create(t.asFloatBuffer(), new Shape(toLongs(t.shape())), DataType.FLOAT32));
            }
            NDList results;
            try {
                results = model.getBlock().forward(new ParameterStore(runManager, false), feeds, false);
            } catch (EngineException e) {
                throw new PluginException("libtorch failed running forward of " + file + " on " + describe(inputs) + ": "
                        + torchMessage(e), e);
            }
            if (results.size() != io.outputs().size()) {
                throw new PluginException("forward of " + file + " returned " + results.size() + " tensors, expected "
                        + io.outputs().size() + " named " + io.outputs()
                        + " (set option " + TorchScriptIo.OUTPUTS + " to name each result)");
            }
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (int i = 0; i < results.size(); i++) {
                String name = io.outputs().get(i);
                Tensor t = toTensor(results.get(i), name);
                outputs.put(name, t);
            }
            inputs.forEach((name, t) -> inputTypes.put(name, t.type()));
            outputs.forEach((name, t) -> outputTypes.put(name, t.type()));
            return outputs;
        }
    }

    @Override public synchronized void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }

    private void checkInputs(Map<String, Tensor> inputs) throws PluginException {
        Set<String> missing = new TreeSet<>(io.inputs());
        missing.removeAll(inputs.keySet());
        Set<String> unknown = new TreeSet<>(inputs.keySet());
        unknown.removeAll(io.inputs());
        if (!missing.isEmpty() || !unknown.isEmpty()) {
            throw new PluginException("TorchScript " + file + " takes " + io.inputs().size() + " inputs " + io.inputs()
                    + ", got " + inputs.keySet() + (missing.isEmpty() ? "" : "; missing " + missing)
                    + (unknown.isEmpty() ? "" : "; not an input " + unknown)
                    + (unknown.isEmpty() ? "" : " (option " + TorchScriptIo.INPUTS + " renames the inputs)"));
        }
        for (String name : io.inputs()) {
            Tensor t = inputs.get(name);
            if (t.dtype() != DType.FLOAT32) {
                throw new PluginException("input " + name + " of " + file + " must be float32, got " + t.type());
            }
            int[] declared = io.inputShapes().get(name);
            if (declared != null && !t.type().sameShape(declared)) {
                throw new PluginException("input " + name + " of " + file + " must have shape " + Arrays.toString(declared)
                        + " (option " + TorchScriptIo.INPUT_SHAPES + "), got " + t.type());
            }
        }
    }

    /** Float results come back as float32 (fp16/bf16/fp64 converted by libtorch); other dtypes are refused. */
    private Tensor toTensor(NDArray array, String name) throws PluginException {
        DataType type = array.getDataType();
        int[] shape = toInts(array.getShape().getShape(), name);
        float[] values;
        switch (type) {
            case FLOAT32 -> values = array.toFloatArray();
            case FLOAT16, BFLOAT16, FLOAT64 -> values = array.toType(DataType.FLOAT32, false).toFloatArray();
            default -> throw new PluginException("output " + name + " of " + file + " has dtype " + type
                    + "; the pytorch runtime returns floating-point tensors only");
        }
        return Tensor.ofFloats(shape, values);
    }

    private int[] toInts(long[] shape, String name) throws PluginException {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new PluginException("output " + name + " of " + file + " has unsupported shape " + Arrays.toString(shape));
            }
            out[i] = (int) shape[i];
        }
        return out;
    }

    private static long[] toLongs(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }

    private String describe(Map<String, Tensor> inputs) {
        List<String> parts = new ArrayList<>();
        for (String name : io.inputs()) {
            parts.add(name + " " + inputs.get(name).type());
        }
        return String.join(", ", parts);
    }

    /**
     * The gist of a libtorch error: TorchScript interpreter errors carry a serialized-code traceback before
     * the actual {@code ...Error: ...} line, and C++ errors an "Exception raised from" trace after it.
     */
    static String torchMessage(Throwable e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        List<String> lines = message.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        for (int i = lines.size() - 1; i >= 0; i--) {
            String line = lines.get(i);
            if (line.matches("[A-Za-z]*Error: .*")) {
                return line;
            }
        }
        for (String line : lines) {
            if (!line.startsWith("Exception raised from")) {
                return line;
            }
        }
        return message.strip();
    }
}

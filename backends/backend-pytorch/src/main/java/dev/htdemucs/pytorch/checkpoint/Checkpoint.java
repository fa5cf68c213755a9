package dev.htdemucs.pytorch.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A demucs model package as written by {@code demucs.states.serialize_model} + {@code torch.save}: a dict
 * {@code {klass, args, kwargs, state, training_args}}. {@code klass} is the model class (kept as a
 * name), {@code args}/{@code kwargs} its constructor arguments, {@code state} the state dict of
 * (usually float16) tensors, whose bytes are memory-mapped from the file.
 *
 * <p>Everything is read and checked in {@link #open(Path)}: the file is closed before it returns, the
 * mapped tensor data stays valid, and no accessor throws a checked exception.
 */
public final class Checkpoint {
    private final Path file;
    private final TorchArchive.Contents contents;
    private final Optional<String> formatVersion;
    private final ClassRef klass;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private final Map<String, StoredTensor> state;
    private final Object trainingArgs;

    private Checkpoint(Path file, TorchArchive.Contents contents, Optional<String> formatVersion, ClassRef klass,
                       List<Object> args, Map<String, Object> kwargs, Map<String, StoredTensor> state,
                       Object trainingArgs) {
        this.file = file;
        this.contents = contents;
        this.formatVersion = formatVersion;
        this.klass = klass;
        this.args = args;
        this.kwargs = kwargs;
        this.state = state;
        this.trainingArgs = trainingArgs;
    }

    /**
     * Reads a demucs checkpoint.
     *
     * @throws UnsafePickleException if the pickle references code (e.g. {@code os.system}); nothing is run
     * @throws CheckpointFormatException if the file is not a torch zip archive, is damaged, or is not a demucs
     *         model package
     */
    public static Checkpoint open(Path file) throws IOException {
        TorchArchive.Contents contents;
        Optional<String> version;
        try (TorchArchive archive = TorchArchive.open(file)) {
            version = archive.formatVersion();
            contents = archive.load();
        }
        if (!(contents.root() instanceof Map<?, ?> root)) {
            throw notAPackage("the pickle holds a " + PythonValues.typeName(contents.root()) + ", expected a dict", file);
        }
        for (String key : List.of("state", "klass", "args", "kwargs")) {
            if (!root.containsKey(key)) {
                throw notAPackage("missing '" + key + "'", file);
            }
        }
        Object klass = root.get("klass");
        if (!(klass instanceof ClassRef klassRef)) {
            throw notAPackage("'klass' should be a class reference, found " + PythonValues.typeName(klass), file);
        }
        Object args = root.get("args");
        if (!(args instanceof List<?>)) {
            throw notAPackage("'args' should be a tuple, found " + PythonValues.typeName(args), file);
        }
        @SuppressWarnings("unchecked")
        List<Object> argList = Collections.unmodifiableList((List<Object>) args);
        return new Checkpoint(file, contents, version, klassRef, argList,
                stringKeyed(root.get("kwargs"), "kwargs", file), namedTensors(root.get("state"), file),
                root.get("training_args"));
    }

    private static Map<String, StoredTensor> namedTensors(Object stateValue, Path file) throws CheckpointFormatException {
        if (!(stateValue instanceof Map<?, ?> state)) {
            throw notAPackage("'state' should be a dict of tensors, found " + PythonValues.typeName(stateValue), file);
        }
        if (state.containsKey("__quantized")) {
            throw new CheckpointFormatException("quantized (diffq) demucs state is not supported; "
                    + "use a checkpoint saved without quantization (" + file + ")");
        }
        Map<String, StoredTensor> named = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : state.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw notAPackage("'state' has a key of type " + PythonValues.typeName(e.getKey()) + ", expected str", file);
            }
            if (!(e.getValue() instanceof StoredTensor tensor)) {
                throw new CheckpointFormatException("state entry '" + GlobalPolicy.printable(name) + "' is a "
                        + PythonValues.typeName(e.getValue()) + ", expected a tensor (" + file + ")");
            }
            named.put(name, tensor.named(name));
        }
        return Collections.unmodifiableMap(named);
    }

    private static Map<String, Object> stringKeyed(Object value, String what, Path file) throws CheckpointFormatException {
        if (!(value instanceof Map<?, ?> map)) {
            throw notAPackage("'" + what + "' should be a dict, found " + PythonValues.typeName(value), file);
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw notAPackage("'" + what + "' has a key of type " + PythonValues.typeName(key) + ", expected str", file);
            }
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) map;
        return Collections.unmodifiableMap(typed);
    }

    private static CheckpointFormatException notAPackage(String detail, Path file) {
        return new CheckpointFormatException("not a demucs model package (" + detail + ") (" + file + ")");
    }

    public Path file() {
        return file;
    }

    /** The whole unpickled value (see {@link PythonValues} for how Python values appear in Java). */
    public Object root() {
        return contents.root();
    }

    /** The model class as a name, e.g. {@code demucs.htdemucs.HTDemucs}. */
    public ClassRef klassRef() {
        return klass;
    }

    /** {@code "demucs.htdemucs.HTDemucs"}. */
    public String klass() {
        return klass.qualifiedName();
    }

    /** Positional constructor arguments (for HTDemucs: the source names). */
    public List<Object> args() {
        return args;
    }

    /**
     * Keyword constructor arguments as saved: only those the training run set, so absent ones take the
     * class's defaults. Values are Long, Double, Boolean, String, null, List, Map, {@link Fraction} ...
     */
    public Map<String, Object> kwargs() {
        return kwargs;
    }

    /** The state dict, in file order, each tensor named by its key. A new map on each call. */
    public LinkedHashMap<String, StoredTensor> state() {
        return new LinkedHashMap<>(state);
    }

    public boolean hasTensor(String name) {
        return state.containsKey(name);
    }

    /** One state tensor; a missing name is a programming or version mismatch, reported with the file. */
    public StoredTensor tensor(String name) {
        StoredTensor t = state.get(name);
        if (t == null) {
            throw new IllegalArgumentException("checkpoint has no tensor '" + name + "' (" + state.size()
                    + " tensors in " + file + ")");
        }
        return t;
    }

    /** Total number of elements over all state tensors (for demucs: the model's parameter count). */
    public long parameterCount() {
        long n = 0;
        for (StoredTensor t : state.values()) {
            n += t.numel();
        }
        return n;
    }

    /**
     * {@code training_args} as a map when it is a dict (what demucs writes: an omegaconf container converted
     * to plain dicts), or the state dict of an opaque object such as an {@code argparse.Namespace}; empty
     * when absent or of another shape (see {@link #trainingArgsValue()}). Values may be opaque
     * {@link PickledObject}s and {@link ClassRef}s; they are never instantiated.
     */
    public Map<String, Object> trainingArgs() {
        Object value = trainingArgs instanceof PickledObject o ? o.state() : trainingArgs;
        if (value instanceof Map<?, ?> map && map.keySet().stream().allMatch(k -> k instanceof String)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            return Collections.unmodifiableMap(typed);
        }
        return Map.of();
    }

    /** {@code training_args} exactly as unpickled (null when absent). */
    public Object trainingArgsValue() {
        return trainingArgs;
    }

    /** The archive's serialization format version ({@code <prefix>/version}), e.g. "3". */
    public Optional<String> formatVersion() {
        return formatVersion;
    }

    /** Every global the pickle referenced, e.g. {@code torch._utils._rebuild_tensor_v2}, for diagnostics. */
    public Set<String> globals() {
        return contents.globals();
    }

    /** How often each pickle opcode occurred, for diagnostics. */
    public Map<String, Long> opcodeCounts() {
        return contents.opcodeCounts();
    }

    @Override
    public String toString() {
        return "Checkpoint " + klass() + " with " + state.size() + " tensors, " + parameterCount()
                + " parameters (" + file + ")";
    }
}

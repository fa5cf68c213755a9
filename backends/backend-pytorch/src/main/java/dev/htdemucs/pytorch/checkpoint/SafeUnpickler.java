package dev.htdemucs.pytorch.checkpoint;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader that builds data only. It implements Python's pickle opcodes for protocols 0 to 5 that
 * describe data (the binary ones torch.save writes, plus the simple text ones) and resolves globals
 * through {@link GlobalPolicy}: torch tensor rebuilds, typed storages, OrderedDict, Fraction and a few
 * builtin containers are implemented here in Java; any other class becomes an inert {@link ClassRef},
 * and names that could run code are refused with an {@link UnsafePickleException}. INST and OBJ,
 * extension-registry codes and out-of-band buffers are refused. Nothing named in the pickle is ever
 * executed.
 *
 * <p>The reader is iterative (no recursion on nesting depth) and bounds its stack and memo, so hostile
 * input fails with a {@link CheckpointFormatException} rather than exhausting the JVM. Work stays in
 * proportion to the file even where the memo lets a few bytes reference a large value again: dict keys
 * are checked and hashed without walking into them ({@link PyTuple}), and what calls copy out of their
 * arguments is bounded ({@link #COPY_ALLOWANCE_PER_BYTE}). Tensors are checked to lie within their
 * storages as they are rebuilt. Value mapping: see {@link PythonValues}.
 *
 * <p>One instance reads one pickle, once.
 */
public final class SafeUnpickler {

    /** Turns a persistent id (for torch: {@code ('storage', StorageType, key, location, numel)}) into a value. */
    @FunctionalInterface
    public interface PersistentLoader {
        /**
         * @param where describes the position for error messages, e.g. "at offset 433 of model/data.pkl (file)"
         */
        Object load(Object persistentId, String where) throws IOException;
    }

    static final int MAX_STACK = 1 << 22;
    static final int MAX_MEMO = 1 << 22;
    static final int MAX_LINE = 4096;
    static final int MAX_INT_BYTES = 1024;
    static final int HIGHEST_PROTOCOL = 5;
    /**
     * Elements (bytes, for bytes objects) that REDUCE, NEWOBJ and tensor rebuilds may copy out of their
     * arguments, per byte of pickle, plus {@link #COPY_ALLOWANCE_BASE}. Arguments are usually built just for
     * the call, so they cost at least a byte per element; read again through the memo they cost two bytes
     * whatever their size, and a pickle repeating {@code bytearray(b)} or {@code OrderedDict(items)} on one
     * large memoized value would otherwise copy it once per five bytes of file.
     */
    static final int COPY_ALLOWANCE_PER_BYTE = 8;
    static final long COPY_ALLOWANCE_BASE = 1 << 20;

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final byte[] data;
    private final String entry;
    private final String file;
    private final PersistentLoader persistentLoader;

    private final List<Object> stack = new ArrayList<>();
    /** Stack sizes at each MARK (Python's metastack, kept as indices into the one stack). */
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<PickleOpcode, Long> opcodeCounts = new EnumMap<>(PickleOpcode.class);
    private final Set<String> globalsSeen = new LinkedHashSet<>();

    private final long copyAllowance;
    private long copied;

    private int pos;
    /** Offset of the opcode being executed, for messages. */
    private int opStart;
    private boolean loaded;

    /**
     * @param pickle the whole pickle
     * @param entry  the zip entry it came from (e.g. {@code model/data.pkl}), for messages
     * @param file   the checkpoint file, for messages
     * @param persistentLoader resolves BINPERSID; null if the pickle may not use persistent ids
     */
    public SafeUnpickler(byte[] pickle, String entry, String file, PersistentLoader persistentLoader) {
        this.data = pickle;
        this.entry = entry;
        this.file = file;
        this.persistentLoader = persistentLoader;
        this.copyAllowance = COPY_ALLOWANCE_BASE + (long) COPY_ALLOWANCE_PER_BYTE * pickle.length;
    }

    /** Reads the pickle up to STOP and returns its value. */
    public Object load() throws IOException {
        if (loaded) {
            throw new IllegalStateException("SafeUnpickler.load() may be called once");
        }
        loaded = true;
        try {
            return run();
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (RuntimeException e) {
            // a safety net: every expected malformation has its own message; this names the rest
            throw new CheckpointFormatException("malformed pickle " + where() + ": " + e, e);
        }
    }

    /** How often each opcode occurred (after {@link #load()}), by opcode name. */
    public Map<String, Long> opcodeCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        opcodeCounts.forEach((op, n) -> counts.put(op.name(), n));
        return Collections.unmodifiableMap(counts);
    }

    /** Qualified names of every global the pickle referenced (after {@link #load()}), in order of first use. */
    public Set<String> globalsSeen() {
        return Collections.unmodifiableSet(globalsSeen);
    }

    // ------------------------------------------------------------------------------------------ main loop

    private Object run() throws IOException {
        while (true) {
            opStart = pos;
            if (pos >= data.length) {
                throw format("pickle ends without STOP after " + data.length + " bytes");
            }
            int code = data[pos++] & 0xff;
            PickleOpcode op = PickleOpcode.forCode(code);
            if (op == null) {
                throw format(String.format("unknown pickle opcode 0x%02x", code));
            }
            opcodeCounts.merge(op, 1L, Long::sum);
            switch (op) {
                case PROTO -> {
                    int version = readUnsignedByte();
                    if (version > HIGHEST_PROTOCOL) {
                        throw format("unsupported pickle protocol " + version + " (this reader knows 0 to "
                                + HIGHEST_PROTOCOL + ")");
                    }
                }
                case FRAME -> {
                    long frameLength = readLittleEndian(8);
                    if (frameLength < 0 || frameLength > data.length - pos) {
                        throw format("FRAME of " + frameLength + " bytes but only " + (data.length - pos) + " remain");
                    }
                }
                case STOP -> {
                    return finish();
                }

                // --- scalars
                case NONE -> push(null);
                case NEWTRUE -> push(Boolean.TRUE);
                case NEWFALSE -> push(Boolean.FALSE);
                case BININT -> push((long) (int) readLittleEndian(4));
                case BININT1 -> push((long) readUnsignedByte());
                case BININT2 -> push(readLittleEndian(2));
                case LONG1 -> push(decodeLong(readBytes(readUnsignedByte())));
                case LONG4 -> {
                    long n = readSignedInt32();
                    if (n > MAX_INT_BYTES) {
                        throw format("LONG4 integer of " + n + " bytes (limit " + MAX_INT_BYTES + ")");
                    }
                    push(decodeLong(readBytes(n)));
                }
                case INT -> push(parseTextInt(readLine()));
                case LONG -> push(parseTextLong(readLine()));
                case FLOAT -> push(parseTextFloat(readLine()));
                case BINFLOAT -> push(Double.longBitsToDouble(readBigEndianLong()));
                case SHORT_BINUNICODE -> push(utf8(readBytes(readUnsignedByte())));
                case BINUNICODE -> push(utf8(readBytes(readUnsignedInt32())));
                case BINUNICODE8 -> push(utf8(readBytes(readLittleEndian(8))));
                // Python 2 str; torch.load decodes them as UTF-8 as well
                case SHORT_BINSTRING -> push(utf8(readBytes(readUnsignedByte())));
                case BINSTRING -> push(utf8(readBytes(readSignedInt32())));
                case SHORT_BINBYTES -> push(readBytes(readUnsignedByte()));
                case BINBYTES -> push(readBytes(readUnsignedInt32()));
                case BINBYTES8, BYTEARRAY8 -> push(readBytes(readLittleEndian(8)));

                // --- containers
                case MARK -> {
                    checkDepth();
                    marks.add(stack.size());
                }
                case EMPTY_TUPLE -> push(PyTuple.EMPTY);
                case TUPLE1 -> push(PyTuple.adopt(popN(1)));
                case TUPLE2 -> push(PyTuple.adopt(popN(2)));
                case TUPLE3 -> push(PyTuple.adopt(popN(3)));
                case TUPLE -> push(PyTuple.adopt(popMark()));
                case EMPTY_LIST -> push(new ArrayList<>());
                case LIST -> push(new ArrayList<>(Arrays.asList(popMark())));
                case EMPTY_DICT -> push(new LinkedHashMap<>());
                case DICT -> {
                    Object[] items = popMark();
                    Map<Object, Object> dict = new LinkedHashMap<>();
                    putPairs(dict, items);
                    push(dict);
                }
                case EMPTY_SET -> push(new LinkedHashSet<>());
                case FROZENSET -> push(frozenSet(Arrays.asList(popMark())));
                case APPEND -> {
                    Object item = pop();
                    appendTo(peek(), Collections.singletonList(item));
                }
                case APPENDS -> {
                    Object[] items = popMark();
                    appendTo(peek(), Arrays.asList(items));
                }
                case SETITEM -> {
                    Object value = pop();
                    Object key = pop();
                    setItems(peek(), new Object[] {key, value});
                }
                case SETITEMS -> {
                    Object[] items = popMark();
                    setItems(peek(), items);
                }
                case ADDITEMS -> {
                    Object[] items = popMark();
                    Object target = peek();
                    if (!(target instanceof LinkedHashSet<?>)) {
                        throw format("ADDITEMS on " + PythonValues.typeName(target) + ", expected a set");
                    }
                    @SuppressWarnings("unchecked")
                    Set<Object> set = (Set<Object>) target;
                    for (Object item : items) {
                        requireHashable(item, "set member");
                        set.add(item);
                    }
                }

                // --- stack and memo
                case POP -> {
                    if (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size()) {
                        marks.remove(marks.size() - 1); // Python: POP right after MARK discards the mark
                    } else {
                        pop();
                    }
                }
                case POP_MARK -> popMark();
                case DUP -> push(peek());
                case BINPUT -> memoPut(readUnsignedByte());
                case LONG_BINPUT -> memoPut(readUnsignedInt32());
                case PUT -> memoPut(parseMemoIndex(readLine()));
                case MEMOIZE -> memoPut(memo.size());
                case BINGET -> memoGet(readUnsignedByte());
                case LONG_BINGET -> memoGet(readUnsignedInt32());
                case GET -> memoGet(parseMemoIndex(readLine()));

                // --- globals and object construction
                case GLOBAL -> {
                    String module = readLine();
                    String name = readLine();
                    push(global(module, name));
                }
                case STACK_GLOBAL -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw format("STACK_GLOBAL needs two strings, found " + PythonValues.typeName(module)
                                + " and " + PythonValues.typeName(name));
                    }
                    push(global(m, n));
                }
                case REDUCE -> {
                    Object args = pop();
                    Object callable = peek();
                    String context = tensorContext();
                    stack.set(stack.size() - 1, reduce(callable, tuple(args, "REDUCE arguments"), context));
                }
                case NEWOBJ -> {
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, tuple(args, "NEWOBJ arguments"), Map.of()));
                }
                case NEWOBJ_EX -> {
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, tuple(args, "NEWOBJ_EX arguments"), stringKeyed(kwargs, "NEWOBJ_EX keyword arguments")));
                }
                case BUILD -> {
                    Object state = pop();
                    build(peek(), state);
                }
                case BINPERSID -> {
                    Object pid = pop();
                    push(persistentLoad(pid));
                }
                case INST -> {
                    String module = readLine();
                    String name = readLine();
                    globalsSeen.add(module + "." + name);
                    throw unsafe("refused INST " + GlobalPolicy.printable(module) + "." + GlobalPolicy.printable(name)
                            + " " + where() + ": instantiation opcodes of protocol 0/1 are never written by torch.save");
                }
                case OBJ -> {
                    Object[] items = popMark();
                    String what = items.length > 0 ? PythonValues.typeName(items[0]) : "nothing";
                    throw unsafe("refused OBJ on " + what + " " + where()
                            + ": instantiation opcodes of protocol 0/1 are never written by torch.save");
                }
                case EXT1, EXT2, EXT4 -> throw unsafe("refused " + op.describe() + " " + where()
                        + ": the copyreg extension registry could name any global");
                case NEXT_BUFFER, READONLY_BUFFER -> throw unsafe("refused " + op.describe() + " " + where()
                        + ": out-of-band buffers are not part of a checkpoint file");
                case PERSID, STRING, UNICODE -> throw format("unsupported pickle opcode " + op.describe()
                        + "; torch.save writes binary pickles (protocol 2 or later)");
                default -> throw format("unhandled pickle opcode " + op.describe());
            }
        }
    }

    private Object finish() throws CheckpointFormatException {
        if (!marks.isEmpty()) {
            throw format("STOP with " + marks.size() + " unclosed MARK(s)");
        }
        if (stack.size() != 1) {
            throw format("STOP with " + stack.size() + " values on the stack, expected exactly 1");
        }
        if (pos != data.length) {
            throw format((data.length - pos) + " unexpected bytes after STOP");
        }
        return stack.get(0);
    }

    // ------------------------------------------------------------------------------------------ globals

    private Object global(String module, String name) throws UnsafePickleException {
        globalsSeen.add(GlobalPolicy.printable(module) + "." + GlobalPolicy.printable(name));
        return GlobalPolicy.resolve(module, name, where());
    }

    private Object reduce(Object callable, PyTuple args, String context) throws IOException {
        if (callable instanceof ClassRef ref) {
            chargeCopy(args.size(), "REDUCE arguments");
            return new PickledObject(ref, new ArrayList<>(args), Map.of());
        }
        if (!(callable instanceof GlobalPolicy.AllowedGlobal g)) {
            throw format("REDUCE on " + PythonValues.typeName(callable) + ", which is not callable here");
        }
        switch (g) {
            case REBUILD_TENSOR_V2 -> {
                // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
                requireArity(g, args, 6, 7);
                requireNoHooks(args.get(5));
                return tensor(context, args.get(0), args.get(1), args.get(2), args.get(3), args.get(4));
            }
            case REBUILD_TENSOR -> {
                // (storage, storage_offset, size, stride): torch before 1.0
                requireArity(g, args, 4, 4);
                return tensor(context, args.get(0), args.get(1), args.get(2), args.get(3), Boolean.FALSE);
            }
            case REBUILD_PARAMETER, REBUILD_PARAMETER_WITH_STATE -> {
                // (data, requires_grad, backward_hooks[, state]): a Parameter is its tensor for our purposes
                int arity = g == GlobalPolicy.AllowedGlobal.REBUILD_PARAMETER ? 3 : 4;
                requireArity(g, args, arity, arity);
                if (!(args.get(0) instanceof StoredTensor t)) {
                    throw format(g + " expects a tensor, found " + PythonValues.typeName(args.get(0)));
                }
                requireNoHooks(args.get(2));
                return t;
            }
            case ORDERED_DICT -> {
                requireArity(g, args, 0, 1);
                Map<Object, Object> dict = new LinkedHashMap<>();
                if (args.size() == 1) {
                    for (Object pair : iterable(args.get(0), "OrderedDict items")) {
                        if (!(pair instanceof List<?> kv) || kv.size() != 2) {
                            throw format("OrderedDict item " + PythonValues.typeName(pair) + " is not a (key, value) pair");
                        }
                        putChecked(dict, kv.get(0), kv.get(1));
                    }
                }
                return dict;
            }
            case FRACTION -> {
                requireArity(g, args, 1, 2);
                return fraction(args);
            }
            case SET, FROZENSET -> {
                requireArity(g, args, 0, 1);
                List<Object> items = args.isEmpty() ? List.of() : iterable(args.get(0), g + " items");
                if (g == GlobalPolicy.AllowedGlobal.FROZENSET) {
                    return frozenSet(items);
                }
                Set<Object> set = new LinkedHashSet<>();
                for (Object item : items) {
                    requireHashable(item, "set member");
                    set.add(item);
                }
                return set;
            }
            case BYTEARRAY -> {
                requireArity(g, args, 0, 2);
                if (args.isEmpty()) {
                    return new byte[0];
                }
                if (args.get(0) instanceof byte[] bytes && args.size() == 1) {
                    chargeCopy(bytes.length, g + " argument");
                    return bytes.clone();
                }
                return latin1(args, g);
            }
            case CODECS_ENCODE -> {
                requireArity(g, args, 2, 2);
                return latin1(args, g);
            }
            default -> throw format("REDUCE on " + g + " is not implemented");
        }
    }

    private Object newObject(Object cls, PyTuple args, Map<String, Object> kwargs) throws CheckpointFormatException {
        if (cls instanceof ClassRef ref) {
            chargeCopy(args.size(), "NEWOBJ arguments");
            return new PickledObject(ref, new ArrayList<>(args), kwargs);
        }
        if (cls == GlobalPolicy.AllowedGlobal.ORDERED_DICT) {
            return new LinkedHashMap<>(); // OrderedDict.__new__ ignores its arguments; items follow as SETITEMS
        }
        throw format("NEWOBJ on " + PythonValues.typeName(cls) + ", expected a class");
    }

    private void build(Object target, Object state) throws CheckpointFormatException {
        if (target instanceof PickledObject object) {
            object.setState(state);
            return;
        }
        throw format("BUILD (set state) on " + PythonValues.typeName(target)
                + "; only opaque objects of unknown classes accept state");
    }

    private Object persistentLoad(Object pid) throws IOException {
        if (persistentLoader == null) {
            throw format("persistent id " + PythonValues.typeName(pid) + " but this pickle may not reference storages");
        }
        return persistentLoader.load(pid, where());
    }

    // ------------------------------------------------------------------------------------------ tensors

    private StoredTensor tensor(String context, Object storage, Object offset, Object size, Object stride,
                                Object requiresGrad) throws CheckpointFormatException {
        if (!(storage instanceof TensorStorage s)) {
            throw format(context + ": expected a storage (persistent id) as first argument of the tensor rebuild, found "
                    + PythonValues.typeName(storage));
        }
        long storageOffset = asLong(offset, context + " storage offset");
        List<Object> sizes = tupleOrList(size, context + " size");
        List<Object> strides = tupleOrList(stride, context + " stride");
        chargeCopy((long) sizes.size() + strides.size(), context + " size and stride");
        int[] shape = new int[sizes.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = asLong(sizes.get(i), context + " size");
            if (d < 0 || d > Integer.MAX_VALUE) {
                throw format(context + " has dimension " + i + " of size " + d + ", expected 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) d;
        }
        long[] strideValues = new long[strides.size()];
        for (int i = 0; i < strideValues.length; i++) {
            strideValues[i] = asLong(strides.get(i), context + " stride");
            if (strideValues[i] < 0) {
                throw format(context + " has negative stride " + strideValues[i] + " on dimension " + i);
            }
        }
        if (!(requiresGrad instanceof Boolean grad)) {
            throw format(context + ": requires_grad should be a bool, found " + PythonValues.typeName(requiresGrad));
        }
        return StoredTensor.create(context, s, storageOffset, shape, strideValues, grad);
    }

    /**
     * Names the tensor being rebuilt for messages: inside a dict's SETITEM(S) the value's key sits just
     * below the rebuild function on the stack.
     */
    private String tensorContext() {
        int callable = stack.size() - 1;
        int keyIndex = callable - 1;
        if (keyIndex >= 0 && stack.get(keyIndex) instanceof String key) {
            int markStart = marks.isEmpty() ? -1 : marks.get(marks.size() - 1);
            if (markStart < 0 || (keyIndex >= markStart && (keyIndex - markStart) % 2 == 0)) {
                return "tensor '" + GlobalPolicy.printable(key) + "'";
            }
        }
        return "tensor rebuilt at offset " + opStart;
    }

    private void requireNoHooks(Object hooks) throws CheckpointFormatException {
        boolean empty = hooks == null || (hooks instanceof Map<?, ?> m && m.isEmpty());
        if (!empty) {
            throw format("tensor with backward hooks (" + PythonValues.typeName(hooks) + "); hooks are code and are not supported");
        }
    }

    // ------------------------------------------------------------------------------------------ values

    private Fraction fraction(PyTuple args) throws CheckpointFormatException {
        try {
            if (args.size() == 1 && args.get(0) instanceof String text) {
                return Fraction.parse(text);
            }
            BigInteger numerator = asBigInteger(args.get(0), "Fraction numerator");
            BigInteger denominator = args.size() == 2 ? asBigInteger(args.get(1), "Fraction denominator") : BigInteger.ONE;
            return Fraction.of(numerator, denominator);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw format("invalid fractions.Fraction arguments: " + e.getMessage());
        }
    }

    private byte[] latin1(PyTuple args, GlobalPolicy.AllowedGlobal g) throws CheckpointFormatException {
        if (args.size() != 2 || !(args.get(0) instanceof String text) || !(args.get(1) instanceof String encoding)) {
            throw format(g + " expects (str, 'latin1'), found " + args.size() + " arguments");
        }
        chargeCopy(text.length(), g + " argument");
        String e = encoding.toLowerCase(Locale.ROOT).replace('_', '-');
        if (!e.equals("latin1") && !e.equals("latin-1") && !e.equals("iso-8859-1")) {
            throw format(g + " with encoding '" + GlobalPolicy.printable(encoding) + "'; only latin1 (bytes in protocol 2) is supported");
        }
        byte[] out = new byte[text.length()];
        for (int i = 0; i < out.length; i++) {
            char c = text.charAt(i);
            if (c > 0xff) {
                throw format(g + ": character U+" + Integer.toHexString(c) + " is not latin1");
            }
            out[i] = (byte) c;
        }
        return out;
    }

    private Set<Object> frozenSet(List<Object> items) throws CheckpointFormatException {
        LinkedHashSet<Object> set = new LinkedHashSet<>();
        for (Object item : items) {
            requireHashable(item, "frozenset member");
            set.add(item);
        }
        return new PyFrozenSet(set);
    }

    private void appendTo(Object target, List<Object> items) throws CheckpointFormatException {
        if (target instanceof ArrayList<?>) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) target;
            list.addAll(items);
        } else if (target instanceof PickledObject object) {
            for (Object item : items) {
                object.appendItem(item);
            }
        } else {
            throw format("APPEND to " + PythonValues.typeName(target) + ", expected a list");
        }
    }

    private void setItems(Object target, Object[] items) throws CheckpointFormatException {
        if (items.length % 2 != 0) {
            throw format("SETITEMS with an odd number (" + items.length + ") of keys and values");
        }
        if (target instanceof LinkedHashMap<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> dict = (Map<Object, Object>) target;
            putPairs(dict, items);
        } else if (target instanceof PickledObject object) {
            for (int i = 0; i < items.length; i += 2) {
                requireHashable(items[i], "dict key");
                object.putItem(items[i], items[i + 1]);
            }
        } else {
            throw format("SETITEM on " + PythonValues.typeName(target) + ", expected a dict");
        }
    }

    private void putPairs(Map<Object, Object> dict, Object[] items) throws CheckpointFormatException {
        if (items.length % 2 != 0) {
            throw format("dict built from an odd number (" + items.length + ") of keys and values");
        }
        for (int i = 0; i < items.length; i += 2) {
            putChecked(dict, items[i], items[i + 1]);
        }
    }

    private void putChecked(Map<Object, Object> dict, Object key, Object value) throws CheckpointFormatException {
        requireHashable(key, "dict key");
        dict.put(key, value);
    }

    private void requireHashable(Object key, String role) throws CheckpointFormatException {
        String reason = PythonValues.unhashableReason(key);
        if (reason != null) {
            throw format(role + " of " + reason + " (Python could not have pickled it)");
        }
    }

    private PyTuple tuple(Object value, String what) throws CheckpointFormatException {
        if (value instanceof PyTuple t) {
            return t;
        }
        throw format(what + " should be a tuple, found " + PythonValues.typeName(value));
    }

    private List<Object> tupleOrList(Object value, String what) throws CheckpointFormatException {
        if (value instanceof List<?>) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) value;
            return list;
        }
        throw format(what + " should be a tuple, found " + PythonValues.typeName(value));
    }

    private List<Object> iterable(Object value, String what) throws CheckpointFormatException {
        if (value instanceof List<?> list) {
            chargeCopy(list.size(), what);
            return new ArrayList<>(list);
        }
        if (value instanceof Set<?> set) {
            chargeCopy(set.size(), what);
            return new ArrayList<>(set);
        }
        throw format(what + " should be a list or tuple, found " + PythonValues.typeName(value));
    }

    private Map<String, Object> stringKeyed(Object value, String what) throws CheckpointFormatException {
        if (!(value instanceof Map<?, ?> map)) {
            throw format(what + " should be a dict, found " + PythonValues.typeName(value));
        }
        chargeCopy(map.size(), what);
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                throw format(what + " has a non-string key of type " + PythonValues.typeName(e.getKey()));
            }
            out.put(k, e.getValue());
        }
        return out;
    }

    private long asLong(Object value, String what) throws CheckpointFormatException {
        if (value instanceof Long l) {
            return l;
        }
        throw format(what + " should be an int, found " + PythonValues.typeName(value));
    }

    private BigInteger asBigInteger(Object value, String what) throws CheckpointFormatException {
        if (value instanceof Long l) {
            return BigInteger.valueOf(l);
        }
        if (value instanceof BigInteger b) {
            return b;
        }
        throw format(what + " should be an int, found " + PythonValues.typeName(value));
    }

    /** Counts {@code elements} copied out of an argument against {@link #copyAllowance}. */
    private void chargeCopy(long elements, String what) throws CheckpointFormatException {
        copied += elements;
        if (copied > copyAllowance) {
            throw format("copying " + elements + " elements of " + what + " brings the elements copied out of arguments to "
                    + copied + ", more than " + copyAllowance + " for a " + data.length
                    + "-byte pickle (a memoized value reused over and over?)");
        }
    }

    private void requireArity(GlobalPolicy.AllowedGlobal g, PyTuple args, int min, int max) throws CheckpointFormatException {
        if (args.size() < min || args.size() > max) {
            String expected = min == max ? Integer.toString(min) : min + " to " + max;
            throw format(g + " called with " + args.size() + " arguments, expected " + expected);
        }
    }

    // ------------------------------------------------------------------------------------------ stack

    private void push(Object value) throws CheckpointFormatException {
        checkDepth();
        stack.add(value);
    }

    private void checkDepth() throws CheckpointFormatException {
        if (stack.size() + marks.size() >= MAX_STACK) {
            throw format("pickle stack deeper than " + MAX_STACK + " entries");
        }
    }

    private Object pop() throws CheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw format("pickle stack underflow" + (floor > 0 ? " (popping past a MARK)" : ""));
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws CheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw format("pickle stack underflow" + (floor > 0 ? " (reading past a MARK)" : ""));
        }
        return stack.get(stack.size() - 1);
    }

    private Object[] popN(int n) throws CheckpointFormatException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() - n < floor) {
            throw format("pickle stack underflow: need " + n + " values, have " + (stack.size() - floor));
        }
        List<Object> top = stack.subList(stack.size() - n, stack.size());
        Object[] items = top.toArray();
        top.clear();
        return items;
    }

    private Object[] popMark() throws CheckpointFormatException {
        if (marks.isEmpty()) {
            throw format("opcode needs a MARK but none is open");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(mark, stack.size());
        Object[] items = top.toArray();
        top.clear();
        return items;
    }

    private void memoPut(long index) throws CheckpointFormatException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(index)) {
            throw format("pickle memo larger than " + MAX_MEMO + " entries");
        }
        memo.put(index, peek());
    }

    private void memoGet(long index) throws CheckpointFormatException {
        if (!memo.containsKey(index)) {
            throw format("memo entry " + index + " is read before it is written");
        }
        push(memo.get(index));
    }

    // ------------------------------------------------------------------------------------------ bytes

    private int readUnsignedByte() throws CheckpointFormatException {
        require(1);
        return data[pos++] & 0xff;
    }

    /** Little-endian unsigned integer of 1..8 bytes (8 bytes are returned as a signed long). */
    private long readLittleEndian(int n) throws CheckpointFormatException {
        require(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += n;
        return v;
    }

    private long readSignedInt32() throws CheckpointFormatException {
        return (int) readLittleEndian(4);
    }

    private long readUnsignedInt32() throws CheckpointFormatException {
        return readLittleEndian(4);
    }

    private long readBigEndianLong() throws CheckpointFormatException {
        require(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (data[pos + i] & 0xff);
        }
        pos += 8;
        return v;
    }

    private byte[] readBytes(long n) throws CheckpointFormatException {
        if (n < 0 || n > data.length - pos) {
            throw format("a " + n + "-byte value runs past the end of the pickle (" + (data.length - pos) + " bytes remain)");
        }
        byte[] out = Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    private void require(int n) throws CheckpointFormatException {
        if (n > data.length - pos) {
            throw format("pickle truncated: opcode needs " + n + " more bytes, " + (data.length - pos) + " remain");
        }
    }

    /** A text argument ending in '\n' (GLOBAL, INT, PUT ...), without the newline. */
    private String readLine() throws CheckpointFormatException {
        int limit = Math.min(data.length, pos + MAX_LINE);
        for (int i = pos; i < limit; i++) {
            if (data[i] == '\n') {
                String line = utf8(Arrays.copyOfRange(data, pos, i));
                pos = i + 1;
                return line;
            }
        }
        throw format("text argument without a newline within " + MAX_LINE + " bytes");
    }

    private String utf8(byte[] bytes) throws CheckpointFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw format("string is not valid UTF-8");
        }
    }

    /** Pickle's two's-complement little-endian integers (LONG1/LONG4). */
    private static Object decodeLong(byte[] littleEndian) {
        if (littleEndian.length == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[littleEndian.length];
        for (int i = 0; i < littleEndian.length; i++) {
            bigEndian[i] = littleEndian[littleEndian.length - 1 - i];
        }
        return normalize(new BigInteger(bigEndian));
    }

    private static Object normalize(BigInteger value) {
        return value.bitLength() < 64 ? (Object) value.longValue() : value;
    }

    private Object parseTextInt(String line) throws CheckpointFormatException {
        // protocol 0 writes booleans as INT "01"/"00"
        if (line.equals("01")) return Boolean.TRUE;
        if (line.equals("00")) return Boolean.FALSE;
        try {
            return normalize(new BigInteger(line.strip()));
        } catch (NumberFormatException e) {
            throw format("INT argument '" + GlobalPolicy.printable(line) + "' is not an integer");
        }
    }

    private Object parseTextLong(String line) throws CheckpointFormatException {
        String digits = line.endsWith("L") ? line.substring(0, line.length() - 1) : line;
        try {
            return normalize(new BigInteger(digits.strip()));
        } catch (NumberFormatException e) {
            throw format("LONG argument '" + GlobalPolicy.printable(line) + "' is not an integer");
        }
    }

    private Object parseTextFloat(String line) throws CheckpointFormatException {
        String s = line.strip();
        switch (s) {
            case "nan": return Double.NaN;
            case "inf": return Double.POSITIVE_INFINITY;
            case "-inf": return Double.NEGATIVE_INFINITY;
            default:
                if (!s.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?")) {
                    throw format("FLOAT argument '" + GlobalPolicy.printable(line) + "' is not a number");
                }
                return Double.parseDouble(s);
        }
    }

    private long parseMemoIndex(String line) throws CheckpointFormatException {
        try {
            long index = Long.parseLong(line.strip());
            if (index < 0) {
                throw new NumberFormatException();
            }
            return index;
        } catch (NumberFormatException e) {
            throw format("memo index '" + GlobalPolicy.printable(line) + "' is not a non-negative integer");
        }
    }

    // ------------------------------------------------------------------------------------------ messages

    private String where() {
        return "at offset " + opStart + " of " + entry + " (" + file + ")";
    }

    private CheckpointFormatException format(String message) {
        return new CheckpointFormatException(message + " " + where());
    }

    private UnsafePickleException unsafe(String message) {
        return new UnsafePickleException(message);
    }
}

package dev.htdemucs.testsupport;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Emits pickle opcodes one by one, the way CPython's pickler (and so {@code torch.save}) lays them out.
 * Used to build checkpoints, fuzz seeds and hostile pickles; it checks nothing, so it can write broken
 * pickles too. The torch helpers at the end write what {@code torch.save} writes for a tensor and a demucs
 * package.
 */
public final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A new writer that has written the protocol 2 header ({@code PROTO 2}). */
    public static PickleWriter protocol2() {
        return new PickleWriter().proto(2);
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    public PickleWriter raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    public PickleWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    public PickleWriter proto(int version) {
        return raw(0x80, version);
    }

    public PickleWriter stop() {
        return raw('.');
    }

    public PickleWriter mark() {
        return raw('(');
    }

    public PickleWriter none() {
        return raw('N');
    }

    public PickleWriter bool(boolean value) {
        return raw(value ? 0x88 : 0x89);
    }

    /** BININT1, BININT2 or BININT, whichever CPython would pick. */
    public PickleWriter integer(long value) {
        if (value >= 0 && value < 0x100) {
            return raw('K', (int) value);
        }
        if (value >= 0 && value < 0x10000) {
            return raw('M', (int) value & 0xff, (int) (value >> 8) & 0xff);
        }
        if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
            return raw('J').littleEndian(value, 4);
        }
        // LONG1: two's complement, little-endian, 8 bytes are always enough for a long
        return raw(0x8a, 8).littleEndian(value, 8);
    }

    public PickleWriter binfloat(double value) {
        raw('G');
        long bits = Double.doubleToLongBits(value);
        for (int i = 7; i >= 0; i--) {
            out.write((int) (bits >>> (8 * i)) & 0xff);
        }
        return this;
    }

    /** BINUNICODE (protocol 2, what torch.save writes for str). */
    public PickleWriter string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        raw('X').littleEndian(utf8.length, 4);
        out.writeBytes(utf8);
        return this;
    }

    /** SHORT_BINUNICODE (protocol 4). */
    public PickleWriter shortString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        raw(0x8c, utf8.length);
        out.writeBytes(utf8);
        return this;
    }

    public PickleWriter bytes(byte[] value) {
        raw('B').littleEndian(value.length, 4);
        out.writeBytes(value);
        return this;
    }

    public PickleWriter global(String module, String name) {
        raw('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    public PickleWriter stackGlobal() {
        return raw(0x93);
    }

    /** Protocol 4 STACK_GLOBAL with module and name pushed as strings. */
    public PickleWriter stackGlobal(String module, String name) {
        return string(module).string(name).stackGlobal();
    }

    public PickleWriter emptyDict() {
        return raw('}');
    }

    public PickleWriter emptyList() {
        return raw(']');
    }

    public PickleWriter emptyTuple() {
        return raw(')');
    }

    public PickleWriter emptySet() {
        return raw(0x8f);
    }

    public PickleWriter tuple() {
        return raw('t');
    }

    public PickleWriter tuple1() {
        return raw(0x85);
    }

    public PickleWriter tuple2() {
        return raw(0x86);
    }

    public PickleWriter tuple3() {
        return raw(0x87);
    }

    public PickleWriter list() {
        return raw('l');
    }

    public PickleWriter dict() {
        return raw('d');
    }

    public PickleWriter frozenset() {
        return raw(0x91);
    }

    public PickleWriter additems() {
        return raw(0x90);
    }

    public PickleWriter append() {
        return raw('a');
    }

    public PickleWriter appends() {
        return raw('e');
    }

    public PickleWriter setitem() {
        return raw('s');
    }

    public PickleWriter setitems() {
        return raw('u');
    }

    public PickleWriter reduce() {
        return raw('R');
    }

    public PickleWriter newobj() {
        return raw(0x81);
    }

    public PickleWriter build() {
        return raw('b');
    }

    public PickleWriter binpersid() {
        return raw('Q');
    }

    public PickleWriter pop() {
        return raw('0');
    }

    public PickleWriter dup() {
        return raw('2');
    }

    public PickleWriter memoize() {
        return raw(0x94);
    }

    public PickleWriter binput(int index) {
        return index < 0x100 ? raw('q', index) : raw('r').littleEndian(index, 4);
    }

    public PickleWriter binget(int index) {
        return index < 0x100 ? raw('h', index) : raw('j').littleEndian(index, 4);
    }

    /** LONG_BINPUT, also for indices below 256. */
    public PickleWriter longBinput(int index) {
        return raw('r').littleEndian(index, 4);
    }

    /** LONG_BINGET, also for indices below 256. */
    public PickleWriter longBinget(int index) {
        return raw('j').littleEndian(index, 4);
    }

    /** A protocol-4 FRAME announcing {@code length} bytes. */
    public PickleWriter frame(long length) {
        return raw(0x95).littleEndian(length, 8);
    }

    /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    public PickleWriter tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        persistentStorage(storageType, key, numel);
        integer(offset);
        mark();
        for (long s : size) integer(s);
        tuple();
        mark();
        for (long s : stride) integer(s);
        tuple();
        bool(false).global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    /** The persistent id torch.save writes for a storage: {@code ('storage', torch.<type>, key, 'cpu', numel)}. */
    public PickleWriter persistentStorage(String storageType, String key, long numel) {
        return mark().string("storage").global("torch", storageType).string(key).string("cpu").integer(numel).tuple().binpersid();
    }

    /**
     * Opens a demucs package dict with {@code klass}, {@code args} and {@code kwargs}; the caller adds
     * {@code 'state'} (and anything else) as key/value pairs, then calls {@link #endPackage()}.
     */
    public PickleWriter beginPackage() {
        emptyDict().mark();
        string("klass").global("demucs.htdemucs", "HTDemucs");
        string("args").string("drums").string("bass").tuple2();
        string("kwargs").emptyDict().string("channels").integer(8).setitem();
        return this;
    }

    /** Closes the dict opened by {@link #beginPackage()} and ends the pickle. */
    public PickleWriter endPackage() {
        return setitems().stop();
    }

    /** {@code 'state': {name: float16 tensor of numel elements in storage key}}. */
    public PickleWriter stateWithOneTensor(String name, String key, long numel) {
        return string("state").emptyDict().string(name)
                .tensor("HalfStorage", key, numel, 0, new long[] {numel}, new long[] {1}).setitem();
    }

    private PickleWriter littleEndian(long value, int byteCount) {
        for (int i = 0; i < byteCount; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
        return this;
    }
}

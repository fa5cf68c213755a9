package dev.htdemucs.pytorch.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes by hand, to build the exact (often hostile) byte streams a test needs. */
final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static PickleBuilder protocol2() {
        return new PickleBuilder().op(0x80).op(2);
    }

    PickleBuilder op(int code) {
        out.write(code);
        return this;
    }

    PickleBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** Raw bytes given as ints 0..255 (or negative bytes). */
    PickleBuilder raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBuilder mark() { return op('('); }
    PickleBuilder stop() { return op('.'); }
    PickleBuilder none() { return op('N'); }
    PickleBuilder bool(boolean b) { return op(b ? 0x88 : 0x89); }
    PickleBuilder emptyDict() { return op('}'); }
    PickleBuilder emptyList() { return op(']'); }
    PickleBuilder emptyTuple() { return op(')'); }
    PickleBuilder tuple() { return op('t'); }
    PickleBuilder tuple1() { return op(0x85); }
    PickleBuilder tuple2() { return op(0x86); }
    PickleBuilder setItem() { return op('s'); }
    PickleBuilder setItems() { return op('u'); }
    PickleBuilder append() { return op('a'); }
    PickleBuilder appends() { return op('e'); }
    PickleBuilder reduce() { return op('R'); }
    PickleBuilder build() { return op('b'); }
    PickleBuilder newObj() { return op(0x81); }
    PickleBuilder binPersId() { return op('Q'); }

    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleBuilder integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K').op((int) v);
        }
        if (v >= 0 && v < 65536) {
            op('M');
            return le(v, 2);
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            op('J');
            return le(v, 4);
        }
        op(0x8a).op(8);
        return le(v, 8);
    }

    PickleBuilder global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Protocol 4 STACK_GLOBAL with module and name pushed as strings. */
    PickleBuilder stackGlobal(String module, String name) {
        return str(module).str(name).op(0x93);
    }

    PickleBuilder put(int index) { return op('q').op(index); }
    PickleBuilder get(int index) { return op('h').op(index); }
    /** LONG_BINPUT / LONG_BINGET: memo indices beyond 255. */
    PickleBuilder longPut(int index) { op('r'); return le(index, 4); }
    PickleBuilder longGet(int index) { op('j'); return le(index, 4); }
    PickleBuilder pop() { return op('0'); }
    PickleBuilder list() { return op('l'); }
    PickleBuilder emptySet() { return op(0x8f); }
    PickleBuilder addItems() { return op(0x90); }
    PickleBuilder frozenset() { return op(0x91); }

    PickleBuilder bytes(byte[] b) {
        op('B');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    /** {@code torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    PickleBuilder tensor(String storageType, String key, long numel, long offset, long[] size, long[] stride) {
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

    PickleBuilder persistentStorage(String storageType, String key, long numel) {
        return mark().str("storage").global("torch", storageType).str(key).str("cpu").integer(numel).tuple().binPersId();
    }

    /**
     * Opens a demucs package dict with {@code klass}, {@code args} and {@code kwargs}; the caller adds
     * {@code 'state'} (and anything else) as key/value pairs, then calls {@link #endPackage()}.
     */
    PickleBuilder beginPackage() {
        emptyDict().mark();
        str("klass").global("demucs.htdemucs", "HTDemucs");
        str("args").str("drums").str("bass").tuple2();
        str("kwargs").emptyDict().str("channels").integer(8).setItem();
        return this;
    }

    /** Closes the dict opened by {@link #beginPackage()} and ends the pickle. */
    PickleBuilder endPackage() {
        return setItems().stop();
    }

    /** {@code 'state': {name: float16 tensor of numel elements in storage key}}. */
    PickleBuilder stateWithOneTensor(String name, String key, long numel) {
        return str("state").emptyDict().str(name)
                .tensor("HalfStorage", key, numel, 0, new long[] {numel}, new long[] {1}).setItem();
    }

    private PickleBuilder le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}

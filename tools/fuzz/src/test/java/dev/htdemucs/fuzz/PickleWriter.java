package dev.htdemucs.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Emits pickle opcodes one by one, the way CPython's pickler (and so {@code torch.save}) lays them out.
 * Used to build seed inputs and hostile pickles; it checks nothing, so it can write broken pickles too.
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    byte[] toByteArray() {
        return out.toByteArray();
    }

    PickleWriter raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleWriter proto(int version) {
        return raw(0x80, version);
    }

    PickleWriter stop() {
        return raw('.');
    }

    PickleWriter mark() {
        return raw('(');
    }

    PickleWriter none() {
        return raw('N');
    }

    PickleWriter bool(boolean value) {
        return raw(value ? 0x88 : 0x89);
    }

    /** BININT1, BININT2 or BININT, whichever CPython would pick. */
    PickleWriter integer(long value) {
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

    PickleWriter binfloat(double value) {
        raw('G');
        long bits = Double.doubleToLongBits(value);
        for (int i = 7; i >= 0; i--) {
            out.write((int) (bits >>> (8 * i)) & 0xff);
        }
        return this;
    }

    /** BINUNICODE (protocol 2, what torch.save writes for str). */
    PickleWriter string(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        raw('X').littleEndian(utf8.length, 4);
        out.writeBytes(utf8);
        return this;
    }

    /** SHORT_BINUNICODE (protocol 4). */
    PickleWriter shortString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        raw(0x8c, utf8.length);
        out.writeBytes(utf8);
        return this;
    }

    PickleWriter bytes(byte[] value) {
        raw('B').littleEndian(value.length, 4);
        out.writeBytes(value);
        return this;
    }

    PickleWriter global(String module, String name) {
        raw('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleWriter stackGlobal() {
        return raw(0x93);
    }

    PickleWriter emptyDict() {
        return raw('}');
    }

    PickleWriter emptyList() {
        return raw(']');
    }

    PickleWriter emptyTuple() {
        return raw(')');
    }

    PickleWriter emptySet() {
        return raw(0x8f);
    }

    PickleWriter tuple() {
        return raw('t');
    }

    PickleWriter tuple1() {
        return raw(0x85);
    }

    PickleWriter tuple2() {
        return raw(0x86);
    }

    PickleWriter tuple3() {
        return raw(0x87);
    }

    PickleWriter list() {
        return raw('l');
    }

    PickleWriter dict() {
        return raw('d');
    }

    PickleWriter frozenset() {
        return raw(0x91);
    }

    PickleWriter additems() {
        return raw(0x90);
    }

    PickleWriter append() {
        return raw('a');
    }

    PickleWriter appends() {
        return raw('e');
    }

    PickleWriter setitem() {
        return raw('s');
    }

    PickleWriter setitems() {
        return raw('u');
    }

    PickleWriter reduce() {
        return raw('R');
    }

    PickleWriter newobj() {
        return raw(0x81);
    }

    PickleWriter build() {
        return raw('b');
    }

    PickleWriter binpersid() {
        return raw('Q');
    }

    PickleWriter pop() {
        return raw('0');
    }

    PickleWriter dup() {
        return raw('2');
    }

    PickleWriter memoize() {
        return raw(0x94);
    }

    PickleWriter binput(int index) {
        return index < 0x100 ? raw('q', index) : raw('r').littleEndian(index, 4);
    }

    PickleWriter binget(int index) {
        return index < 0x100 ? raw('h', index) : raw('j').littleEndian(index, 4);
    }

    /** A protocol-4 FRAME announcing {@code length} bytes. */
    PickleWriter frame(long length) {
        return raw(0x95).littleEndian(length, 8);
    }

    private PickleWriter littleEndian(long value, int byteCount) {
        for (int i = 0; i < byteCount; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
        return this;
    }
}

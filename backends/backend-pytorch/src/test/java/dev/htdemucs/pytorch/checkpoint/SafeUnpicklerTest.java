package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.testsupport.PickleWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Python values and malformed or hostile pickle streams, without a zip around them. */
class SafeUnpicklerTest {

    /**
     * {@code pickle.dumps(obj, protocol=p)} by CPython 3.11 for p = 2, 3, 4, 5, where obj is
     * <pre>
     * {'ints': [0, 255, 65535, -1, 2**31-1, -2**31, 2**40, -2**63, 2**70, -(2**70)],
     *  'float': [1.5, -0.0, 1e300], 'none': None, 't': True, 'f': False,
     *  'str': 'h\u00e9llo \u2603', 'bytes': b'\x00\x01\xff', 'tuple': (1, 'a', (2,)),
     *  'set': {7}, 'frozen': frozenset({8}), 'frac': fractions.Fraction(39, 5),
     *  'od': collections.OrderedDict([('b', 1), ('a', 2)]), (1, 2): 'tuplekey',
     *  'ns': argparse.Namespace(lr=0.001, epochs=3), 'bytearray': bytearray(b'ab'),
     *  'shared': (shared, shared)}   # shared = [1, 2], one object referenced twice
     * </pre>
     */
    private static final String[] PYTHON_PICKLES = {
            // protocol 2
            "80027d7100285804000000696e747371015d7102284b004bff4dffff4affffffff4affffff7f4a000000808a060000000000"
                + "018a0800000000000000808a090000000000000000408a090000000000000000c0655805000000666c6f617471035d710428"
                + "473ff8000000000000478000000000000000477e37e43c8800759c6558040000006e6f6e6571054e58010000007471068858"
                + "010000006671078958030000007374727108580a00000068c3a96c6c6f20e29883710958050000006279746573710a635f63"
                + "6f646563730a656e636f64650a710b58040000000001c3bf710c58060000006c6174696e31710d86710e52710f5805000000"
                + "7475706c6571104b0158010000006171114b0285711287711358030000007365747114635f5f6275696c74696e5f5f0a7365"
                + "740a71155d71164b0761857117527118580600000066726f7a656e7119635f5f6275696c74696e5f5f0a66726f7a656e7365"
                + "740a711a5d711b4b086185711c52711d580400000066726163711e636672616374696f6e730a4672616374696f6e0a711f4b"
                + "274b0586712052712158020000006f64712263636f6c6c656374696f6e730a4f726465726564446963740a71232952712428"
                + "58010000006271254b0168114b02754b014b0286712658080000007475706c656b6579712758020000006e73712863617267"
                + "70617273650a4e616d6573706163650a71292981712a7d712b2858020000006c72712c473f50624dd2f1a9fc580600000065"
                + "706f636873712d4b0375625809000000627974656172726179712e635f5f6275696c74696e5f5f0a6279746561727261790a"
                + "712f680b580200000061627130680d867131527132857133527134580600000073686172656471355d7136284b014b026568"
                + "36867137752e",
            // protocol 3
            "80037d7100285804000000696e747371015d7102284b004bff4dffff4affffffff4affffff7f4a000000808a060000000000"
                + "018a0800000000000000808a090000000000000000408a090000000000000000c0655805000000666c6f617471035d710428"
                + "473ff8000000000000478000000000000000477e37e43c8800759c6558040000006e6f6e6571054e58010000007471068858"
                + "010000006671078958030000007374727108580a00000068c3a96c6c6f20e29883710958050000006279746573710a430300"
                + "01ff710b58050000007475706c65710c4b01580100000061710d4b0285710e87710f58030000007365747110636275696c74"
                + "696e730a7365740a71115d71124b0761857113527114580600000066726f7a656e7115636275696c74696e730a66726f7a65"
                + "6e7365740a71165d71174b0861857118527119580400000066726163711a636672616374696f6e730a4672616374696f6e0a"
                + "711b4b274b0586711c52711d58020000006f64711e63636f6c6c656374696f6e730a4f726465726564446963740a711f2952"
                + "71202858010000006271214b01680d4b02754b014b0286712258080000007475706c656b6579712358020000006e73712463"
                + "61726770617273650a4e616d6573706163650a7125298171267d71272858020000006c727128473f50624dd2f1a9fc580600"
                + "000065706f63687371294b0375625809000000627974656172726179712a636275696c74696e730a6279746561727261790a"
                + "712b43026162712c85712d52712e5806000000736861726564712f5d7130284b014b02656830867131752e",
            // protocol 4
            "800495c3010000000000007d94288c04696e7473945d94284b004bff4dffff4affffffff4affffff7f4a000000808a060000"
                + "000000018a0800000000000000808a090000000000000000408a090000000000000000c0658c05666c6f6174945d9428473f"
                + "f8000000000000478000000000000000477e37e43c8800759c658c046e6f6e65944e8c017494888c016694898c0373747294"
                + "8c0a68c3a96c6c6f20e29883948c0562797465739443030001ff948c057475706c65944b018c0161944b02859487948c0373"
                + "6574948f94284b07908c0666726f7a656e94284b0891948c0466726163948c096672616374696f6e73948c08467261637469"
                + "6f6e9493944b274b05869452948c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952"
                + "94288c0162944b01680d4b02754b014b0286948c087475706c656b6579948c026e73948c086172677061727365948c094e61"
                + "6d6573706163659493942981947d94288c026c7294473f50624dd2f1a9fc8c0665706f636873944b0375628c096279746561"
                + "72726179948c086275696c74696e73948c096279746561727261799493944302616294859452948c06736861726564945d94"
                + "284b014b026568328694752e",
            // protocol 5
            "800595ad010000000000007d94288c04696e7473945d94284b004bff4dffff4affffffff4affffff7f4a000000808a060000"
                + "000000018a0800000000000000808a090000000000000000408a090000000000000000c0658c05666c6f6174945d9428473f"
                + "f8000000000000478000000000000000477e37e43c8800759c658c046e6f6e65944e8c017494888c016694898c0373747294"
                + "8c0a68c3a96c6c6f20e29883948c0562797465739443030001ff948c057475706c65944b018c0161944b02859487948c0373"
                + "6574948f94284b07908c0666726f7a656e94284b0891948c0466726163948c096672616374696f6e73948c08467261637469"
                + "6f6e9493944b274b05869452948c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952"
                + "94288c0162944b01680d4b02754b014b0286948c087475706c656b6579948c026e73948c086172677061727365948c094e61"
                + "6d6573706163659493942981947d94288c026c7294473f50624dd2f1a9fc8c0665706f636873944b0375628c096279746561"
                + "72726179949602000000000000006162948c06736861726564945d94284b014b0265682d8694752e"
    };

    static Object load(byte[] pickle) throws java.io.IOException {
        return new SafeUnpickler(pickle, "test.pkl", "memory", null).load();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void pythonValuesOfEveryProtocol(int which) throws Exception {
        Map<?, ?> obj = assertInstanceOf(Map.class, load(HexFormat.of().parseHex(PYTHON_PICKLES[which])));
        assertEquals(List.of(0L, 255L, 65535L, -1L, 2147483647L, -2147483648L, 1L << 40, Long.MIN_VALUE,
                BigInteger.TWO.pow(70), BigInteger.TWO.pow(70).negate()), obj.get("ints"));
        List<?> floats = (List<?>) obj.get("float");
        assertEquals(1.5, floats.get(0));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits((Double) floats.get(1)));
        assertEquals(1e300, floats.get(2));
        assertTrue(obj.containsKey("none"));
        assertNull(obj.get("none"));
        assertEquals(Boolean.TRUE, obj.get("t"));
        assertEquals(Boolean.FALSE, obj.get("f"));
        assertEquals("h\u00e9llo \u2603", obj.get("str"));
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, (byte[]) obj.get("bytes"));
        PyTuple tuple = assertInstanceOf(PyTuple.class, obj.get("tuple"));
        assertEquals(List.of(1L, "a", List.of(2L)), tuple);
        assertInstanceOf(PyTuple.class, tuple.get(2));
        assertEquals(Set.of(7L), obj.get("set"));
        assertEquals(Set.of(8L), obj.get("frozen"));
        assertThrows(UnsupportedOperationException.class, () -> ((Set<?>) obj.get("frozen")).clear());
        assertEquals(Fraction.of(39, 5), obj.get("frac"));
        Map<?, ?> od = assertInstanceOf(LinkedHashMap.class, obj.get("od"));
        assertEquals(List.of("b", "a"), List.copyOf(od.keySet()));
        assertEquals("tuplekey", obj.get(List.of(1L, 2L)));
        PickledObject ns = assertInstanceOf(PickledObject.class, obj.get("ns"));
        assertEquals(new ClassRef("argparse", "Namespace"), ns.classRef());
        assertEquals(Map.of("lr", 0.001, "epochs", 3L), ns.state());
        assertArrayEquals(new byte[] {'a', 'b'}, (byte[]) obj.get("bytearray"));
        PyTuple shared = (PyTuple) obj.get("shared");
        assertEquals(List.of(1L, 2L), shared.get(0));
        assertSame(shared.get(0), shared.get(1), "the memo must give back the same object");
    }

    @Test
    void deepNestingDoesNotOverflowTheJavaStack() throws Exception {
        int depth = 1_000_000;
        PickleWriter b = PickleWriter.protocol2();
        for (int i = 0; i < depth; i++) {
            b.emptyList();
        }
        for (int i = 1; i < depth; i++) {
            b.append();
        }
        Object value = load(b.stop().toByteArray());
        int measured = 0;
        while (value instanceof List<?> l) {
            measured++;
            value = l.isEmpty() ? null : l.get(0);
        }
        assertEquals(depth, measured);
    }

    @Test
    void deepTupleKeysAreRefusedBeforeHashing() {
        PickleWriter b = PickleWriter.protocol2().emptyDict();
        for (int i = 0; i < 100_000; i++) {
            b.mark();
        }
        for (int i = 0; i < 100_000; i++) {
            b.tuple();
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> load(b.integer(1).setitem().stop().toByteArray()));
        assertTrue(e.getMessage().contains("tuple key nested deeper than 64 levels"), e.getMessage());
    }

    @Test
    void unhashableKeysAreRefused() {
        byte[] listKey = PickleWriter.protocol2().emptyDict().emptyList().integer(1).setitem().stop().toByteArray();
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(listKey));
        assertTrue(e.getMessage().contains("dict key of unhashable type list[0]"), e.getMessage());
    }

    @Test
    void cyclicValuesLoadAndDescribeThemselvesSafely() throws Exception {
        // l = []; l.append(l); o = evil.Obj(); o.__dict__ = {'self': o}
        List<?> l = (List<?>) load(PickleWriter.protocol2().emptyList().binput(0).binget(0).append().stop().toByteArray());
        assertSame(l, l.get(0));
        PickledObject o = (PickledObject) load(PickleWriter.protocol2().global("evil", "Obj").emptyTuple().newobj()
                .binput(0).emptyDict().string("self").binget(0).setitem().build().stop().toByteArray());
        assertSame(o, ((Map<?, ?>) o.state()).get("self"));
        assertEquals("PickledObject(evil.Obj, 0 args, state dict[1])", o.toString());
    }

    @Test
    void stackIsBounded() {
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        many.write(0x80);
        many.write(2);
        for (int i = 0; i < SafeUnpickler.MAX_STACK + 1; i++) {
            many.write('N');
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(many.toByteArray()));
        assertTrue(e.getMessage().contains("pickle stack deeper than"), e.getMessage());
    }

    @Test
    void malformedStreamsFailWithTheirOffset() {
        assertMalformed(PickleWriter.protocol2().binget(3).stop(), "memo entry 3 is read before it is written at offset 2");
        assertMalformed(PickleWriter.protocol2().reduce(), "pickle stack underflow at offset 2");
        assertMalformed(PickleWriter.protocol2().none(), "pickle ends without STOP");
        assertMalformed(PickleWriter.protocol2().raw(0xff), "unknown pickle opcode 0xff at offset 2");
        assertMalformed(new PickleWriter().raw(0x80).raw(6).none().stop(), "unsupported pickle protocol 6");
        assertMalformed(PickleWriter.protocol2().none().stop().none(), "1 unexpected bytes after STOP");
        assertMalformed(PickleWriter.protocol2().none().none().stop(), "STOP with 2 values on the stack");
        assertMalformed(PickleWriter.protocol2().emptyDict().mark().string("a").setitems().stop(), "odd number (1)");
        assertMalformed(PickleWriter.protocol2().integer(1).tuple1().integer(2).append().stop(),
                "APPEND to tuple[1], expected a list");
        assertMalformed(PickleWriter.protocol2().emptyDict().emptyDict().build().stop(), "BUILD (set state) on dict[0]");
        assertMalformed(PickleWriter.protocol2().raw('X').raw((byte) 0xff, (byte) 0xff, 0, 0, (byte) 'a'),
                "a 65535-byte value runs past the end of the pickle");
        assertMalformed(PickleWriter.protocol2().raw(0x8b).raw((byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f),
                "LONG4 integer of 2147483647 bytes");
        assertMalformed(PickleWriter.protocol2().raw('c').raw("os".getBytes()), "text argument without a newline");
        assertMalformed(PickleWriter.protocol2().raw('X').raw((byte) 2, 0, 0, 0, (byte) 0xc3, (byte) 0x28).stop(),
                "string is not valid UTF-8");
        assertMalformed(PickleWriter.protocol2().mark().tuple1().stop(), "pickle stack underflow");
        assertMalformed(PickleWriter.protocol2().global("fractions", "Fraction").integer(1).integer(0).tuple2().reduce().stop(),
                "invalid fractions.Fraction arguments");
        assertMalformed(PickleWriter.protocol2().global("torch._utils", "_rebuild_tensor_v2").emptyTuple().reduce().stop(),
                "torch._utils._rebuild_tensor_v2 called with 0 arguments, expected 6 to 7");
        assertMalformed(PickleWriter.protocol2().mark().string("storage").binpersid(),
                "persistent id str but this pickle may not reference storages");
    }

    @Test
    void outOfBandBuffersAreRefused() {
        UnsafePickleException e = assertThrows(UnsafePickleException.class,
                () -> load(new PickleWriter().raw(0x80).raw(5).raw(0x97).stop().toByteArray()));
        assertTrue(e.getMessage().contains("refused NEXT_BUFFER"), e.getMessage());
    }

    @Test
    void reportsGlobalsAndOpcodes() throws Exception {
        SafeUnpickler u = new SafeUnpickler(PickleWriter.protocol2().global("fractions", "Fraction").string("3/6")
                .tuple1().reduce().stop().toByteArray(), "t.pkl", "memory", null);
        assertEquals(Fraction.of(1, 2), u.load());
        assertEquals(Set.of("fractions.Fraction"), u.globalsSeen());
        assertEquals(Map.of("PROTO", 1L, "GLOBAL", 1L, "BINUNICODE", 1L, "TUPLE1", 1L, "REDUCE", 1L, "STOP", 1L),
                u.opcodeCounts());
        assertThrows(IllegalStateException.class, u::load);
    }

    private static void assertMalformed(PickleWriter b, String fragment) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> load(b.toByteArray()));
        assertTrue(e.getMessage().contains(fragment), "expected '" + fragment + "' in: " + e.getMessage());
        assertTrue(e.getMessage().contains("test.pkl (memory)"), e.getMessage());
    }
}

package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.testsupport.PickleWriter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pickles that reference one memoized value many times. A few bytes per reference can describe a dict
 * key whose expansion has 2^60 elements, or repeat an operation on a megabyte-sized argument thousands of
 * times. Hashing, comparing and copying must cost in proportion to the file, not to the expansion: each
 * of these inputs needed 2^30 to 2^60 element visits (or about 10^11 copied bytes) before the reader
 * cached tuple and frozenset hashes and bounded copies, and each now loads, or is refused, at once.
 */
class MemoAmplificationTest {

    /** {@code t0 = (1, 2); t(i+1) = (t(i), t(i))} stored at memo {@code first + i}, nothing left on the stack. */
    private static PickleWriter doubledTuples(PickleWriter b, int first, int levels) {
        b.integer(1).integer(2).tuple2().longBinput(first).pop();
        for (int i = 1; i <= levels; i++) {
            b.longBinget(first + i - 1).longBinget(first + i - 1).tuple2().longBinput(first + i).pop();
        }
        return b;
    }

    /** The same tuple built in Java, one object per level. */
    private static PyTuple doubledTuple(int levels, long second) {
        PyTuple t = PyTuple.of(1L, second);
        for (int i = 0; i < levels; i++) {
            t = PyTuple.of(t, t);
        }
        return t;
    }

    /** The List hash code of {@link #doubledTuple}(levels, 2), by its recurrence. */
    private static int doubledTupleHash(int levels) {
        int h = List.of(1L, 2L).hashCode();
        for (int i = 0; i < levels; i++) {
            h = 31 * (31 + h) + h;
        }
        return h;
    }

    @Test
    void tupleDoubledSixtyLevelsIsADictKey() throws Exception {
        // two separately built chains: the keys are equal but share no object below the top
        PickleWriter b = doubledTuples(doubledTuples(PickleWriter.protocol2(), 0, 60), 100, 60);
        b.emptyDict().mark()
                .longBinget(60).string("first")
                .longBinget(160).string("second")
                .longBinget(59).longBinget(159).tuple2().string("mixed")
                .setitems();
        Map<?, ?> dict = assertInstanceOf(Map.class, SafeUnpicklerTest.load(b.stop().toByteArray()));
        assertEquals(1, dict.size(), "the three keys are one Python value");
        Object key = dict.keySet().iterator().next();
        assertInstanceOf(PyTuple.class, key);
        assertEquals("mixed", dict.get(key));
        assertEquals(doubledTupleHash(60), key.hashCode());
        assertEquals("mixed", dict.get(doubledTuple(60, 2)));
        assertEquals(null, dict.get(doubledTuple(60, 3)));
    }

    @Test
    void tupleEqualityAndHashOfSharedStructureFollowTheListContracts() {
        PyTuple t = doubledTuple(62, 2);
        PyTuple u = doubledTuple(62, 2);
        assertEquals(doubledTupleHash(62), t.hashCode());
        assertTrue(t.equals(u) && u.equals(t));
        assertNotEquals(t, doubledTuple(62, 3));
        assertEquals(List.of(1L, 2L), PyTuple.of(1L, 2L));
        assertEquals(PyTuple.of(1L, 2L), List.of(1L, 2L));
    }

    @Test
    void tupleHoldingAListHashesTheListsCurrentContents() {
        List<Object> list = new ArrayList<>();
        PyTuple t = PyTuple.of(list);
        assertEquals(List.of(List.of()).hashCode(), t.hashCode());
        list.add(1L);
        assertEquals(List.of(List.of(1L)).hashCode(), t.hashCode(), "a tuple with mutable contents must not cache its hash");
        assertEquals(PyTuple.of(new ArrayList<>(List.of(1L))), t);
    }

    @Test
    void frozensetsDoubledThirtyLevelsAreSetMembers() throws Exception {
        // f0 = frozenset({1}); f(i+1) = frozenset({(f(i), 0), (f(i), 1)}), twice, at memo 0.. and 100..
        PickleWriter b = PickleWriter.protocol2();
        for (int first : new int[] {0, 100}) {
            b.mark().integer(1).frozenset().longBinput(first).pop();
            for (int i = 1; i <= 30; i++) {
                b.mark().longBinget(first + i - 1).integer(0).tuple2().longBinget(first + i - 1).integer(1).tuple2()
                        .frozenset().longBinput(first + i).pop();
            }
        }
        b.emptySet().mark().longBinget(30).longBinget(130).additems();
        Set<?> set = assertInstanceOf(Set.class, SafeUnpicklerTest.load(b.stop().toByteArray()));
        assertEquals(1, set.size(), "both members are one Python value");
        Set<?> member = assertInstanceOf(Set.class, set.iterator().next());
        assertEquals(2, member.size());
        assertThrows(UnsupportedOperationException.class, member::clear);
    }

    @Test
    void oneLargeMemoizedTupleInManyKeys() throws Exception {
        // t = tuple(range(100_000)); {(t, i): i for i in range(20_000)}
        int width = 100_000;
        int keys = 20_000;
        PickleWriter b = PickleWriter.protocol2().mark();
        for (int i = 0; i < width; i++) {
            b.integer(i);
        }
        b.tuple().binput(0).pop().emptyDict().mark();
        for (int i = 0; i < keys; i++) {
            b.binget(0).integer(i).tuple2().integer(i);
        }
        Map<?, ?> dict = assertInstanceOf(Map.class, SafeUnpicklerTest.load(b.setitems().stop().toByteArray()));
        assertEquals(keys, dict.size());
        PyTuple t = (PyTuple) ((List<?>) dict.keySet().iterator().next()).get(0);
        assertEquals(width, t.size());
        assertEquals(7L, dict.get(PyTuple.of(t, 7L)));
    }

    @Test
    void bytearrayOfOneMemoizedMegabyteOverAndOver() {
        // b = bytes(1 MiB); [bytearray(b) for _ in range(100_000)], each result dropped
        PickleWriter b = PickleWriter.protocol2().global("builtins", "bytearray").binput(1).pop()
                .bytes(new byte[1 << 20]).binput(0).pop();
        for (int i = 0; i < 100_000; i++) {
            b.binget(1).binget(0).tuple1().reduce().pop();
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafeUnpicklerTest.load(b.none().stop().toByteArray()));
        assertTrue(e.getMessage().contains("elements copied out of arguments"), e.getMessage());
        assertTrue(e.getMessage().contains("builtins.bytearray argument"), e.getMessage());
    }

    @Test
    void orderedDictOfOneMemoizedItemListOverAndOver() {
        // items = [(i, i) for i in range(20_000)]; [OrderedDict(items) for _ in range(20_000)], each dropped
        PickleWriter b = PickleWriter.protocol2().global("collections", "OrderedDict").binput(1).pop().mark();
        for (int i = 0; i < 20_000; i++) {
            b.integer(i).integer(i).tuple2();
        }
        b.list().binput(0).pop();
        for (int i = 0; i < 20_000; i++) {
            b.binget(1).binget(0).tuple1().reduce().pop();
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> SafeUnpicklerTest.load(b.none().stop().toByteArray()));
        assertTrue(e.getMessage().contains("OrderedDict items"), e.getMessage());
    }

    @Test
    void argumentsBuiltForTheirCallAreNotLimited() throws Exception {
        // OrderedDict([(i, i) for i in range(200_000)]): 1.4 MB of pickle, every element used once
        PickleWriter b = PickleWriter.protocol2().global("collections", "OrderedDict").mark();
        for (int i = 0; i < 200_000; i++) {
            b.integer(i).integer(i).tuple2();
        }
        Map<?, ?> dict = assertInstanceOf(Map.class, SafeUnpicklerTest.load(b.list().tuple1().reduce().stop().toByteArray()));
        assertEquals(200_000, dict.size());
    }
}

package dev.htdemucs.pytorch.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reads the tiny6 golden checkpoint. Expected tensor values were computed once with numpy from the raw
 * storage bytes of the same file (Debian python3, no torch) and are exact fp16 values, so they are
 * compared exactly; sums over many values use a 1e-12 relative tolerance for summation order.
 */
class Tiny6CheckpointTest {
    private static GoldenSet golden;
    private static Checkpoint checkpoint;

    @BeforeAll
    static void open() throws IOException {
        golden = Golden.tiny6();
        checkpoint = Checkpoint.open(golden.file("model.th"));
    }

    @Test
    void klassArgsAndKwargsMatchMetaJson() {
        assertEquals("demucs.htdemucs.HTDemucs", checkpoint.klass());
        assertEquals(new ClassRef("demucs.htdemucs", "HTDemucs"), checkpoint.klassRef());
        // args is the 1-tuple (sources,)
        assertEquals(1, checkpoint.args().size());
        assertEquals(golden.sources(), checkpoint.args().get(0));

        JsonNode expected = golden.meta().get("kwargs");
        Map<String, Object> kwargs = checkpoint.kwargs();
        assertEquals(expected.size(), kwargs.size(), "kwargs " + kwargs);
        for (Iterator<String> it = expected.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            JsonNode value = expected.get(name);
            if (name.equals("segment")) {
                assertEquals(Fraction.parse(value.asText()), kwargs.get(name));
            } else {
                assertEquals(value.asLong(), kwargs.get(name), name);
            }
        }
        assertEquals(Fraction.of(1, 2), kwargs.get("segment"));
        assertEquals(8L, kwargs.get("channels"));
        assertEquals(96L, kwargs.get("bottom_channels"));
        assertEquals(Map.of(), checkpoint.trainingArgs());
        assertEquals(Map.of(), checkpoint.trainingArgsValue());
        assertEquals("3", checkpoint.formatVersion().orElseThrow());
    }

    @Test
    void stateHoldsAllParametersAsFloat16() {
        Map<String, StoredTensor> state = checkpoint.state();
        // HTDemucs registers no buffers: the state dict is exactly its parameters (meta.json "parameters")
        assertEquals(433, state.size());
        assertEquals(golden.parameters(), checkpoint.parameterCount());
        assertEquals(755308L, checkpoint.parameterCount());
        for (Map.Entry<String, StoredTensor> e : state.entrySet()) {
            StoredTensor t = e.getValue();
            assertEquals(e.getKey(), t.name());
            assertEquals(DType.FLOAT16, t.dtype(), e.getKey());
            assertTrue(t.isContiguous(), e.getKey());
            assertEquals(0, t.storageOffset(), e.getKey());
            assertTrue(t.storage().isMemoryMapped(), e.getKey());
        }
        assertEquals("encoder.0.conv.weight", state.keySet().iterator().next());
        assertEquals("crosstransformer.layers_t.1.gamma_2.scale", List.copyOf(state.keySet()).get(432));
    }

    @Test
    void tensorValuesMatchNumpyReadingOfTheSameBytes() {
        StoredTensor conv = checkpoint.tensor("encoder.0.conv.weight");
        assertArrayEquals(new int[] {8, 4, 8, 1}, conv.shape());
        assertArrayEquals(new long[] {32, 8, 1, 1}, conv.strides());
        assertEquals("0", conv.storageKey());
        Tensor t = conv.toTensor();
        assertTrue(t.data().isDirect(), "a contiguous tensor should be a slice of the memory map, not a copy");
        float[] v = t.toFloatArray();
        assertEquals(-0.1661376953125f, v[0]);
        assertEquals(-0.03460693359375f, v[1]);
        assertEquals(-0.084716796875f, v[2]);
        assertEquals(-0.047027587890625f, v[3]);
        assertEquals((short) 0xb151, t.data().getShort(0));
        assertEquals(0.0634765625f, v[index(conv.shape(), 4, 2, 4, 0)]);
        assertEquals(0.0197906494140625f, v[v.length - 1]);
        assertEquals(-0.062580406665802, sum(v), 1e-12);

        StoredTensor inProj = checkpoint.tensor("crosstransformer.layers.0.self_attn.in_proj_weight");
        assertArrayEquals(new int[] {288, 96}, inProj.shape());
        assertEquals("365", inProj.storageKey());
        float[] w = inProj.toTensor().toFloatArray();
        assertEquals(-0.11236572265625f, w[0]);
        assertEquals(0.09271240234375f, w[index(inProj.shape(), 144, 48)]);
        assertEquals(-0.01454925537109375f, w[w.length - 1]);
        assertEquals(-19.72309899330139, sum(w), 1e-12 * 20);

        float[] emb = checkpoint.tensor("freq_emb.embedding.weight").toTensor().toFloatArray();
        assertEquals(-0.076171875f, emb[index(new int[] {512, 8}, 256, 4)]);
        assertEquals(-39.239495396614075, sum(emb), 1e-12 * 40);
    }

    @Test
    void checksumOverAllTensors() {
        double total = 0;
        double totalAbs = 0;
        for (StoredTensor t : checkpoint.state().values()) {
            for (float x : t.toTensor().toFloatArray()) {
                total += x;
                totalAbs += Math.abs(x);
            }
        }
        assertEquals(3562.3295013308525, total, 1e-9);
        assertEquals(41121.365308225155, totalAbs, 1e-8);
    }

    @Test
    void onlyTheExpectedOpcodesAndGlobalsAreUsed() {
        assertEquals(Set.of("demucs.htdemucs.HTDemucs", "fractions.Fraction", "torch._utils._rebuild_tensor_v2",
                "torch.HalfStorage", "collections.OrderedDict"), checkpoint.globals());
        Map<String, Long> ops = checkpoint.opcodeCounts();
        // counts from python3 -m pickletools on the same data.pkl
        assertEquals(433L, ops.get("BINPERSID"));
        assertEquals(867L, ops.get("REDUCE"));
        assertEquals(5L, ops.get("GLOBAL"));
        assertEquals(3240L, ops.get("LONG_BINPUT"));
        assertEquals(Set.of("PROTO", "EMPTY_DICT", "BINPUT", "MARK", "BINUNICODE", "GLOBAL", "EMPTY_LIST", "APPENDS",
                "TUPLE1", "BININT1", "TUPLE2", "REDUCE", "SETITEMS", "TUPLE", "BININT2", "BINPERSID", "NEWFALSE",
                "EMPTY_TUPLE", "LONG_BINPUT", "BINGET", "TUPLE3", "BININT", "STOP"), ops.keySet());
    }

    @Test
    void missingTensorIsNamed() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> checkpoint.tensor("encoder.9.conv.weight"));
        assertTrue(e.getMessage().contains("'encoder.9.conv.weight'"), e.getMessage());
        assertTrue(e.getMessage().contains("model.th"), e.getMessage());
        assertFalse(checkpoint.hasTensor("encoder.9.conv.weight"));
    }

    static int index(int[] shape, int... idx) {
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            flat = flat * shape[i] + idx[i];
        }
        return flat;
    }

    static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }
}

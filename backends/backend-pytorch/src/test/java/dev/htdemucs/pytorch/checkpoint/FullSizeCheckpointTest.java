package dev.htdemucs.pytorch.checkpoint;

import dev.htdemucs.fixtures.GoldenAssumptions;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.ir.DType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The released htdemucs_6s architecture (53 MB checkpoint), skipped when the shared golden data is absent.
 * Expected values: numpy on the raw storage bytes of the same file, exact fp16 values.
 */
@Tag("full")
class FullSizeCheckpointTest {

    @Test
    void opensWithAllParameters() throws IOException {
        GoldenSet golden = GoldenAssumptions.requireFullSize();
        Checkpoint c = Checkpoint.open(golden.file("model.th"));
        assertEquals("demucs.htdemucs.HTDemucs", c.klass());
        assertEquals(golden.sources(), c.args().get(0));
        assertEquals(48L, c.kwargs().get("channels"));
        assertEquals(0L, c.kwargs().get("bottom_channels"));
        assertEquals(5L, c.kwargs().get("t_layers"));
        assertEquals(Fraction.of(39, 5), c.kwargs().get("segment"));
        assertEquals(525, c.state().size());
        assertEquals(golden.parameters(), c.parameterCount());
        assertEquals(27414996L, c.parameterCount());
        for (StoredTensor t : c.state().values()) {
            assertEquals(DType.FLOAT16, t.dtype(), t.name());
            assertTrue(t.storage().isMemoryMapped(), t.name());
        }

        StoredTensor linear = c.tensor("crosstransformer.layers.4.linear2.weight");
        assertArrayEquals(new int[] {384, 1536}, linear.shape());
        float[] v = linear.toTensor().toFloatArray();
        assertEquals(-0.0004527568817138672f, v[0]);
        assertEquals(0.01505279541015625f, v[Tiny6CheckpointTest.index(linear.shape(), 192, 768)]);
        assertEquals(-0.0182342529296875f, v[v.length - 1]);
        assertEquals(-5.523478448390961, Tiny6CheckpointTest.sum(v), 1e-10);

        float[] bias = c.tensor("tdecoder.3.conv_tr.bias").toTensor().toFloatArray();
        assertEquals(12, bias.length);
        assertEquals(0.061309814453125f, bias[6]);

        double total = 0;
        for (StoredTensor t : c.state().values()) {
            total += Tiny6CheckpointTest.sum(t.toTensor().toFloatArray());
        }
        assertEquals(26207.454911470413, total, 1e-7);
    }
}

package dev.htdemucs.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.htdemucs.onnx.OnnxModelLoader;
import dev.htdemucs.onnx.proto.OnnxProto.GraphProto;
import dev.htdemucs.onnx.proto.OnnxProto.ModelProto;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX files declaring huge tensors: initializers with dims near 2^31, graph inputs beyond 32 bits, and
 * shape arithmetic that would make the import-time constant folder build billions of elements. All are
 * refused with a {@link PluginException} (512 MiB test heap: allocating them is an OutOfMemoryError).
 */
class HostileOnnxSizesTest {
    private static final Duration QUICKLY = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void initializerWithDimsOfTwoToThe31() throws IOException {
        assertRefused(identityOf(OnnxModels.raw("w", OnnxModels.FLOAT, new long[] {1L << 31, 1L << 31}, new byte[0])));
    }

    @Test
    void initializerOfTheLargestIntDims() throws IOException {
        long max = Integer.MAX_VALUE;
        assertRefused(identityOf(OnnxModels.raw("w", OnnxModels.FLOAT, new long[] {max, max}, new byte[0])));
    }

    @Test
    void initializerWhoseElementCountWrapsToZero() throws IOException {
        // 2^21 * 2^21 * 2^22 = 2^64 elements: a long product wraps to 0, matching an empty raw_data
        assertRefused(identityOf(OnnxModels.raw("w", OnnxModels.FLOAT, new long[] {1L << 21, 1L << 21, 1L << 22}, new byte[0])));
    }

    @Test
    void graphInputBeyondThirtyTwoBits() throws IOException {
        assertRefused(Findings.graphInputBeyondThirtyTwoBits());
    }

    @Test
    void constantOfShapeWithBillionsOfElements() throws IOException {
        // 16384 * 16384 * 7 = 1.9e9 elements: fits an int, but not a 512 MiB heap
        assertRefused(Findings.folded("ConstantOfShape", OnnxModels.int64s("shape", new long[] {3}, 16384, 16384, 7)));
    }

    @Test
    void rangeWithBillionsOfElements() throws IOException {
        assertRefused(Findings.rangeOfBillions());
    }

    @Test
    void expandToBillionsOfElements() throws IOException {
        assertRefused(Findings.expandToBillions());
    }

    @Test
    void padWithAnEmptyConstantValue() throws IOException {
        assertRefused(Findings.padWithEmptyConstantValue());
    }

    @Test
    void tileWithRepeatsThatOverflow() throws IOException {
        GraphProto g = GraphProto.newBuilder()
                .addInitializer(OnnxModels.floats("x", new long[] {2}, 1f, 2f))
                .addInitializer(OnnxModels.int64s("repeats", new long[] {1}, Long.MAX_VALUE / 2 + 1))
                .addNode(OnnxModels.node("Tile", "tile", new String[] {"x", "repeats"}, new String[] {"y"}))
                .addOutput(OnnxModels.untypedShapeOutput("y", OnnxModels.FLOAT)).build();
        assertRefused(OnnxModels.model(g));
    }

    private static ModelProto identityOf(dev.htdemucs.onnx.proto.OnnxProto.TensorProto initializer) {
        GraphProto g = GraphProto.newBuilder().addInitializer(initializer)
                .addNode(OnnxModels.node("Identity", "id", new String[] {initializer.getName()}, new String[] {"y"}))
                .addOutput(OnnxModels.untypedShapeOutput("y", OnnxModels.FLOAT)).build();
        return OnnxModels.model(g);
    }

    private void assertRefused(ModelProto model) throws IOException {
        Path file = Files.write(tmp.resolve("hostile.onnx"), model.toByteArray());
        PluginException e = assertTimeoutPreemptively(QUICKLY,
                () -> assertThrows(PluginException.class, () -> new OnnxModelLoader().load(file, Options.NONE)));
        ReaderContract.requireDeliberateRejection(e);
    }
}

package dev.htdemucs.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.spi.PluginException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * .mlpackage files whose MIL program declares more than the package holds: huge tensor types on
 * immediate consts, blob offsets that overflow. Refused with a {@link PluginException}, never allocated
 * (512 MiB test heap).
 */
class HostileMilSizesTest {
    private static final Duration QUICKLY = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    @Test
    void immediateConstDeclaringA1600MegabyteTensor() throws IOException {
        // 20000 x 20000 float32 with no values: the declared type must not be allocated before the count check
        byte[] model = editConsts(v -> v.hasImmediateValue() && !v.getImmediateValue().getTensor().hasStrings(), v -> v.toBuilder()
                .setType(tensorType(Mil.DataType.FLOAT32, 20_000, 20_000))
                .setImmediateValue(Mil.Value.ImmediateValue.newBuilder().setTensor(Mil.TensorValue.newBuilder()
                        .setFloats(Mil.TensorValue.RepeatedFloats.getDefaultInstance())))
                .build());
        assertRefused(model, tinyWeights());
    }

    @Test
    void constTypeWhoseByteSizeOverflows() throws IOException {
        // 2^21 * 2^21 * 2^21 elements of 4 bytes: the byte count wraps past 2^63
        byte[] model = editConsts(v -> v.hasBlobFileValue(), v -> v.toBuilder()
                .setType(tensorType(Mil.DataType.FLOAT32, 1 << 21, 1 << 21, 1 << 21)).build());
        assertRefused(model, tinyWeights());
    }

    @Test
    void blobOffsetThatOverflows() throws IOException {
        // a 64-byte aligned offset whose end (offset + 64) wraps to a negative number
        byte[] model = editConsts(v -> v.hasBlobFileValue(), v -> v.toBuilder()
                .setBlobFileValue(v.getBlobFileValue().toBuilder().setOffset(Long.MAX_VALUE - 63)).build());
        assertRefused(model, tinyWeights());
    }

    @Test
    void blobDataRangeThatOverflows() throws IOException {
        // the blob's own metadata claims a data offset near 2^63: offset + size wraps around
        byte[] weights = tinyWeights();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(weights).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(64 + 16, Long.MAX_VALUE - 63); // dataOffset, 64-byte aligned; sizeInBytes kept
        assertRefused(SeedCorpusTest.resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_MODEL), weights);
    }

    private void assertRefused(byte[] model, byte[] weights) throws IOException {
        Path pkg = tmp.resolve("hostile.mlpackage");
        Files.createDirectories(pkg.resolve(SeedCorpus.PACKAGE_WEIGHTS).getParent());
        Files.write(pkg.resolve("Manifest.json"), SeedCorpusTest.resource(SeedCorpus.TINY_PACKAGE + "Manifest.json"));
        Files.write(pkg.resolve(SeedCorpus.PACKAGE_MODEL), model);
        Files.write(pkg.resolve(SeedCorpus.PACKAGE_WEIGHTS), weights);
        PluginException e = assertTimeoutPreemptively(QUICKLY,
                () -> assertThrows(PluginException.class, () -> MLPackageReader.read(pkg)));
        ReaderContract.requireDeliberateRejection(e);
        // the message should say what is wrong, not how a buffer failed
        assertTrue(!e.getMessage().contains("newPosition") && !e.getMessage().contains("Index "), e.getMessage());
    }

    private static byte[] tinyWeights() throws IOException {
        return SeedCorpusTest.resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_WEIGHTS);
    }

    /** The tiny package's model with every const value matching {@code which} replaced. */
    private static byte[] editConsts(Predicate<Mil.Value> which, UnaryOperator<Mil.Value> edit) throws IOException {
        MlModel.Model spec = MlModel.Model.parseFrom(SeedCorpusTest.resource(SeedCorpus.TINY_PACKAGE + SeedCorpus.PACKAGE_MODEL));
        Mil.Program.Builder program = spec.getMlProgram().toBuilder();
        Mil.Function main = program.getFunctionsOrThrow("main");
        Mil.Block.Builder block = main.getBlockSpecializationsOrThrow(main.getOpset()).toBuilder();
        boolean edited = false;
        for (int i = 0; i < block.getOperationsCount(); i++) {
            Mil.Operation op = block.getOperations(i);
            Mil.Value val = op.getAttributesMap().get("val");
            if (op.getType().equals("const") && val != null && which.test(val)) {
                block.setOperations(i, op.toBuilder().putAttributes("val", edit.apply(val)));
                edited = true;
            }
        }
        assertTrue(edited, "the tiny package has no const to edit");
        program.putFunctions("main", main.toBuilder().putBlockSpecializations(main.getOpset(), block.build()).build());
        return spec.toBuilder().setMlProgram(program).build().toByteArray();
    }

    private static Mil.ValueType tensorType(Mil.DataType dtype, long... dims) {
        Mil.TensorType.Builder t = Mil.TensorType.newBuilder().setDataType(dtype).setRank(dims.length);
        for (long d : dims) {
            t.addDimensions(Mil.Dimension.newBuilder().setConstant(Mil.Dimension.ConstantDimension.newBuilder().setSize(d)));
        }
        return Mil.ValueType.newBuilder().setTensorType(t).build();
    }
}

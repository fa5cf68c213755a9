package dev.htdemucs.coreml;

import dev.htdemucs.coreml.blob.WeightBlobFile;
import dev.htdemucs.coreml.mil.MilTypes;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.proto.MlModel;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our .proto subset reads what Apple's coremltools wrote (the golden tiny6 package): field numbers and
 * enum values agree, and every blob reference resolves through our weight reader.
 */
class GoldenPackageTest {
    static Path golden() {
        return Golden.tiny6().file("coremltools_fp16.mlpackage").toAbsolutePath();
    }

    @Test
    void ourSchemaReadsCoremltoolsModel() throws Exception {
        Path pkg = golden();
        MlModel.Model model;
        try (InputStream in = Files.newInputStream(Manifest.rootModel(pkg))) {
            model = MlModel.Model.parseFrom(in);
        }
        assertEquals(8, model.getSpecificationVersion());
        assertEquals("mix", model.getDescription().getInput(0).getName());
        assertEquals(dev.htdemucs.coreml.proto.FeatureTypes.ArrayFeatureType.ArrayDataType.FLOAT16,
                model.getDescription().getInput(0).getType().getMultiArrayType().getDataType());
        assertEquals("torch==1.13.0a0", model.getDescription().getMetadata().getUserDefinedMap().get("com.github.apple.coremltools.source"));
        Mil.Function main = model.getMlProgram().getFunctionsMap().get("main");
        assertEquals("CoreML7", main.getOpset());
        Mil.Block block = main.getBlockSpecializationsMap().get("CoreML7");
        assertEquals(2816, block.getOperationsCount());
        Map<String, Integer> hist = new TreeMap<>();
        WeightBlobFile blobs = WeightBlobFile.open(MLPackageLayout.weightFile(pkg));
        int blobRefs = 0;
        for (Mil.Operation op : block.getOperationsList()) {
            hist.merge(op.getType(), 1, Integer::sum);
            if (op.getType().equals("const") && op.getAttributesMap().get("val").hasBlobFileValue()) {
                Mil.Value val = op.getAttributesMap().get("val");
                assertEquals(MilBlockBuilderRef.WEIGHT_FILE, val.getBlobFileValue().getFileName());
                TensorType t = MilTypes.irType(val.getType(), op.getOutputs(0).getName());
                Tensor w = blobs.tensor(val.getBlobFileValue().getOffset(), t);
                assertEquals(t.numel(), w.numel());
                blobRefs++;
            }
        }
        assertEquals(1635, hist.get("const"));
        assertEquals(92, hist.get("conv"));
        assertEquals(257, blobRefs, "every blob of weight.bin is referenced once");
    }

    /** The golden package uses MIL ops we have no IR op for (square, scatter ...): the reader says which. */
    @Test
    void readingCoremltoolsOpsWithoutIrEquivalentNamesTheOp() {
        PluginException e = assertThrows(PluginException.class, () -> MLPackageReader.read(golden()));
        assertTrue(e.getMessage().contains("MIL op square 'square_0_cast_fp16' has no IR equivalent"), e.getMessage());
    }

    /** Indirection so the test states the expected reference string once. */
    static final class MilBlockBuilderRef {
        static final String WEIGHT_FILE = dev.htdemucs.coreml.mil.MilBlockBuilder.WEIGHT_FILE_REFERENCE;
    }
}

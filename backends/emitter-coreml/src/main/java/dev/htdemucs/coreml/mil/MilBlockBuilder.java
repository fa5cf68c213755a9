package dev.htdemucs.coreml.mil;

import dev.htdemucs.coreml.blob.WeightBlobWriter;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accumulates the operations of one MIL block, owns the program's value names, and writes constants:
 * floating-point constants of at least {@link #BLOB_THRESHOLD} elements go to the weight blob file, smaller
 * ones (and all integer/bool/string parameters) are immediate values, as coremltools does.
 */
public final class MilBlockBuilder {
    /** coremltools puts constants with at least this many elements into weight.bin. */
    public static final int BLOB_THRESHOLD = 10;
    /** How a MIL const refers to the package's weight file. */
    public static final String WEIGHT_FILE_REFERENCE = "@model_path/weights/weight.bin";

    private final List<Mil.Operation> operations = new ArrayList<>();
    private final MilNames names = new MilNames();
    private final WeightBlobWriter blobs;
    private final Map<String, Integer> histogram = new TreeMap<>();

    public MilBlockBuilder(WeightBlobWriter blobs) {
        this.blobs = blobs;
    }

    public MilNames names() { return names; }

    public MilOpBuilder op(String type) {
        return new MilOpBuilder(type, this::append);
    }

    private void append(Mil.Operation op) {
        operations.add(op);
        histogram.merge(op.getType(), 1, Integer::sum);
    }

    /** A const op named exactly {@code name} (already claimed) holding {@code value} stored as {@code dtype}. */
    public void constant(String name, Tensor value, DType dtype) {
        TensorType type = value.type().withDType(dtype);
        Mil.Value val;
        if (dtype.isFloatingPoint() && value.numel() >= BLOB_THRESHOLD) {
            long offset;
            try {
                offset = blobs.write(value, dtype);
            } catch (IOException e) {
                throw new UncheckedIOException("writing constant " + name + " " + type + " to " + blobs.file() + ": " + e.getMessage(), e);
            }
            val = Mil.Value.newBuilder().setType(MilTypes.valueType(type))
                    .setBlobFileValue(Mil.Value.BlobFileValue.newBuilder().setFileName(WEIGHT_FILE_REFERENCE).setOffset(offset))
                    .build();
        } else {
            val = MilValues.tensor(value.dtype() == dtype ? value : value.to(dtype));
        }
        constantValue(name, val);
    }

    /** A const op named exactly {@code name} (already claimed) holding an encoded value. */
    public void constantValue(String name, Mil.Value value) {
        append(Mil.Operation.newBuilder().setType("const")
                .addOutputs(Mil.NamedValueType.newBuilder().setName(name).setType(value.getType()))
                .putAttributes("name", MilValues.string(name))
                .putAttributes("val", value)
                .build());
    }

    public List<Mil.Operation> operations() { return operations; }

    /** Op count per MIL op type (const included). */
    public Map<String, Integer> histogram() { return histogram; }
}

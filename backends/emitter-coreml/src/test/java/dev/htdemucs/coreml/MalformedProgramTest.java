package dev.htdemucs.coreml;

import dev.htdemucs.coreml.mil.MilValues;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.coreml.read.MLPackageReader;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.PluginException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Programs whose types and op parameters contradict each other, as a damaged or hostile model.mlmodel
 * may: each is refused with a PluginException that names the file and the value or op, never with an
 * IndexOutOfBounds, NegativeArraySize or ArithmeticException from inside the reader.
 */
class MalformedProgramTest {
    @TempDir
    Path dir;

    private Path kitchenSink() throws Exception {
        Path pkg = dir.resolve("k.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), ReaderTest.FP32, pkg, Options.NONE);
        return pkg;
    }

    private static PluginException refused(Path pkg, UnaryOperator<Mil.Operation> edit, String... fragments) throws Exception {
        ReaderTest.rewrite(pkg, m -> ReaderTest.mapOps(m, edit));
        return refused(pkg, fragments);
    }

    private static PluginException refused(Path pkg, String... fragments) {
        PluginException e = assertThrows(PluginException.class, () -> MLPackageReader.read(pkg));
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "expected '" + f + "' in: " + e.getMessage());
        return e;
    }

    private static boolean isConst(Mil.Operation op, String output) {
        return op.getType().equals("const") && op.getOutputs(0).getName().equals(output);
    }

    private static Mil.Operation withInline(Mil.Operation op, String param, Mil.Value value) {
        return op.toBuilder().putInputs(param, Mil.Argument.newBuilder()
                .addArguments(Mil.Argument.Binding.newBuilder().setValue(value)).build()).build();
    }

    private static Mil.ValueType type(Mil.DataType dtype, long... dims) {
        Mil.TensorType.Builder t = Mil.TensorType.newBuilder().setDataType(dtype).setRank(dims.length);
        for (long d : dims) t.addDimensions(Mil.Dimension.newBuilder().setConstant(Mil.Dimension.ConstantDimension.newBuilder().setSize(d)));
        return Mil.ValueType.newBuilder().setTensorType(t).build();
    }

    private static Mil.Operation retyped(Mil.Operation op, Mil.ValueType type) {
        Mil.Value val = op.getAttributesMap().get("val");
        return op.toBuilder().putAttributes("val", val.toBuilder().setType(type).build())
                .setOutputs(0, op.getOutputs(0).toBuilder().setType(type)).build();
    }

    @Test
    void constTypeErrorsNameTheConstAndTheFile() throws Exception {
        Path pkg = kitchenSink();
        refused(pkg, op -> isConst(op, "cw") ? retyped(op, type(Mil.DataType.FLOAT32, 8, 8, 1L << 40)) : op,
                "model.mlmodel const cw: dimension 2 is 1099511627776");
        Path other = dir.resolve("l.mlpackage");
        TestSupport.emit(OpCases.kitchenSink(), ReaderTest.FP32, other, Options.NONE);
        refused(other, op -> isConst(op, "cw") ? retyped(op, type(Mil.DataType.STRING, 8, 8, 3)) : op,
                "model.mlmodel const cw: MIL data type STRING has no IR equivalent");
    }

    @Test
    void constTypeWhoseByteSizeOverflowsIsNamed() throws Exception {
        refused(kitchenSink(), op -> isConst(op, "cw") ? retyped(op, type(Mil.DataType.FLOAT32, 1 << 21, 1 << 21, 1 << 21)) : op,
                "model.mlmodel const cw", "more than 2^63 bytes");
    }

    @Test
    void immediateValueCountIsCheckedAgainstTheDeclaredType() {
        Mil.TensorValue none = Mil.TensorValue.newBuilder().setFloats(Mil.TensorValue.RepeatedFloats.getDefaultInstance()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MilValues.decodeTensor(none, TensorType.of(DType.FLOAT32, 20_000, 20_000), "m.mlmodel const big"));
        assertTrue(e.getMessage().equals("m.mlmodel const big: 0 values, the declared type has 400000000"), e.getMessage());
        Mil.TensorValue ints = Mil.TensorValue.newBuilder().setInts(Mil.TensorValue.RepeatedInts.newBuilder().addValues(1)).build();
        e = assertThrows(IllegalArgumentException.class, () -> MilValues.decodeTensor(ints, TensorType.of(DType.FLOAT32, 1), "c"));
        assertTrue(e.getMessage().contains("c: stored elements do not fit the declared type float32[1]"), e.getMessage());
    }

    @Test
    void splitWithAnAxisOutsideTheInput() throws Exception {
        refused(kitchenSink(), op -> op.getType().equals("split")
                        ? withInline(withInline(op.toBuilder().removeInputs("split_sizes").build(), "num_splits", MilValues.intScalar(3)),
                        "axis", MilValues.intScalar(7))
                        : op,
                "MIL op split", "axis 7 is outside float32[1,16,16]");
    }

    @Test
    void splitWhoseNumSplitsIsNotItsOutputCount() throws Exception {
        // the first split (GLU's halves of a [1, 16, 16] along axis 1): 4 splits divide the axis, but the op declares 2 outputs
        refused(kitchenSink(), op -> op.getType().equals("split")
                        ? withInline(op.toBuilder().removeInputs("split_sizes").build(), "num_splits", MilValues.intScalar(4))
                        : op,
                "MIL op split", "num_splits equal to its 2 outputs", "found num_splits 4");
    }

    @Test
    void sliceMasksShorterThanTheRank() throws Exception {
        refused(kitchenSink(), op -> op.getType().equals("slice_by_index") ? withInline(op, "begin_mask", MilValues.bools(true)) : op,
                "MIL op slice_by_index", "begin_mask/end_mask must have 2 entries");
    }

    @Test
    void convTransposePadsThatDoNotFitItsSpatialAxes() throws Exception {
        refused(kitchenSink(), op -> op.getType().equals("conv_transpose")
                        ? withInline(withInline(op, "pad", MilValues.ints()), "output_shape", MilValues.ints(1, 4, 32))
                        : op,
                "MIL op conv_transpose", "do not fit 1 spatial axes");
    }

    @Test
    void convOfAVector() throws Exception {
        Path pkg = kitchenSink();
        ReaderTest.rewrite(pkg, m -> {
            Mil.Function main = m.getMlProgram().getFunctionsMap().get("main");
            Mil.Function f = main.toBuilder().setInputs(0, main.getInputs(0).toBuilder().setType(type(Mil.DataType.FLOAT32, 128))).build();
            return m.toBuilder().setMlProgram(m.getMlProgram().toBuilder().putFunctions("main", f)).build();
        });
        refused(pkg, "MIL op conv", "x is float32[128], expected [N, C, spatial...]");
    }

    @Test
    void opWithoutOutputs() throws Exception {
        refused(kitchenSink(), op -> op.getType().equals("reshape") ? op.toBuilder().clearOutputs().build() : op,
                "MIL op reshape", "has 0 outputs");
    }

    @Test
    void integerParameterBeyondThirtyTwoBits() throws Exception {
        refused(kitchenSink(), op -> op.getType().equals("split") ? withInline(op, "axis", MilValues.tensor(
                        dev.htdemucs.ir.Tensor.wrap(TensorType.of(DType.INT64), java.nio.ByteBuffer.allocate(8)
                                .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40)))) : op,
                "MIL op split", "parameter axis holds 1099511627776, beyond 32-bit integers");
    }

    @Test
    void parameterConstFarLargerThanAnyParameter() throws Exception {
        int[] many = new int[70_000];
        refused(kitchenSink(), op -> op.getType().equals("split") ? withInline(op, "split_sizes", MilValues.ints(many)) : op,
                "MIL op split", "parameter split_sizes is int32[70000], more than the 65536 elements");
    }
}

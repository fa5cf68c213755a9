package dev.htdemucs.ir.ops;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.IrException;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Output-type inference of every standard op: one accepted case and at least one rejected case each. */
class OpShapeInferenceTest {
    private static final Set<String> TESTED = new TreeSet<>();

    private final GraphBuilder b = new GraphBuilder("t");
    private int inputs;

    private Value in(int... shape) { return b.input("in" + inputs++, TensorType.f32(shape)); }

    private Value in(DType t, int... shape) { return b.input("in" + inputs++, TensorType.of(t, shape)); }

    private TensorType infer(String op, Attributes a, Value... xs) {
        TESTED.add(op);
        return b.op(op, op, a, xs).type();
    }

    private void rejects(String op, Attributes a, String messagePart, Value... xs) {
        IrException e = assertThrows(IrException.class, () -> b.opMulti(op, op, a, xs));
        assertTrue(e.getMessage().contains(messagePart), () -> "expected '" + messagePart + "' in: " + e.getMessage());
    }

    private static Attributes at(Object... kv) { return Attributes.of(kv); }

    @Test void constant() {
        assertEquals(TensorType.f32(2, 2), infer("const", at("value", Tensor.ofFloats(new int[]{2, 2}, 1, 2, 3, 4))));
        rejects("const", null, "missing attribute 'value'");
    }

    @Test void elementwiseBinaryBroadcast() {
        for (String op : List.of("add", "sub", "mul", "div", "pow")) {
            assertEquals(TensorType.f32(2, 3, 4), infer(op, null, in(2, 1, 4), in(3, 1)));
            rejects(op, null, "do not broadcast", in(2, 3), in(4));
            rejects(op, null, "dtypes differ", in(2), in(DType.FLOAT16, 2));
        }
    }

    @Test void elementwiseUnary() {
        for (String op : List.of("sqrt", "sigmoid", "gelu", "relu", "sin", "cos")) {
            assertEquals(TensorType.f32(5, 7), infer(op, null, in(5, 7)));
            rejects(op, null, "must be floating point", in(DType.INT32, 3));
        }
    }

    @Test void cast() {
        assertEquals(TensorType.of(DType.FLOAT16, 2, 3), infer("cast", at("dtype", DType.FLOAT16), in(2, 3)));
        rejects("cast", null, "missing attribute 'dtype'", in(2));
    }

    @Test void reductions() {
        for (String op : List.of("reduce_mean", "reduce_sum")) {
            assertEquals(TensorType.f32(2), infer(op, at("axes", new int[]{1, -1}), in(2, 3, 4)));
            assertEquals(TensorType.f32(2, 1, 1), infer(op, at("axes", new int[]{1, 2}, "keep_dims", true), in(2, 3, 4)));
            rejects(op, at("axes", new int[]{3}), "out of range", in(2, 3, 4));
            rejects(op, at("axes", new int[]{1, 1}), "repeated", in(2, 3, 4));
        }
    }

    @Test void conv() {
        // HTDemucs freq encoder: kernel [8,1], stride [4,1], pad 2 on the frequency axis.
        Value x = in(1, 4, 2048, 336), w = in(48, 4, 8, 1), bias = in(48);
        assertEquals(TensorType.f32(1, 48, 512, 336),
                infer("conv", at("strides", new int[]{4, 1}, "pads", new int[]{2, 2, 0, 0}), x, w, bias));
        // 1-D dilated conv, as in DConv
        assertEquals(TensorType.f32(2, 6, 100),
                infer("conv", at("dilations", new int[]{2}, "pads", new int[]{2, 2}), in(2, 3, 100), in(6, 3, 3)));
        // groups
        assertEquals(TensorType.f32(1, 8, 10), infer("conv", at("groups", 2), in(1, 4, 10), in(8, 2, 1)));
        rejects("conv", null, "input has 5 channels", in(1, 5, 10), in(8, 4, 3));
        rejects("conv", null, "bias must be [8]", in(1, 4, 10), in(8, 4, 3), in(7));
        rejects("conv", at("pads", new int[]{1}), "pads needs 2 values", in(1, 4, 10), in(8, 4, 3));
        rejects("conv", null, "smaller than the kernel", in(1, 4, 2), in(8, 4, 3));
    }

    @Test void convTranspose() {
        // HTDemucs time decoder: stride 4, kernel 8
        assertEquals(TensorType.f32(1, 8, 44), infer("conv_transpose", at("strides", new int[]{4}), in(1, 16, 10), in(16, 8, 8)));
        assertEquals(TensorType.f32(1, 8, 40), infer("conv_transpose", at("strides", new int[]{4}, "pads", new int[]{2, 2}),
                in(1, 16, 10), in(16, 8, 8), in(8)));
        assertEquals(TensorType.f32(1, 4, 2052, 336), infer("conv_transpose", at("strides", new int[]{4, 1}),
                in(1, 48, 512, 336), in(48, 4, 8, 1)));
        rejects("conv_transpose", null, "expects 16", in(1, 15, 10), in(16, 8, 8));
    }

    @Test void linear() {
        assertEquals(TensorType.f32(1, 336, 1536), infer("linear", null, in(1, 336, 384), in(1536, 384), in(1536)));
        rejects("linear", null, "weight must be [out, 384]", in(1, 336, 384), in(1536, 380));
    }

    @Test void matmul() {
        assertEquals(TensorType.f32(8, 100, 90), infer("matmul", null, in(8, 100, 64), in(8, 64, 90)));
        assertEquals(TensorType.f32(2, 8, 100, 90), infer("matmul", at("transpose_y", true), in(2, 8, 100, 64), in(1, 90, 64)));
        assertEquals(TensorType.f32(3, 5), infer("matmul", at("transpose_x", true), in(4, 3), in(4, 5)));
        rejects("matmul", null, "inner dimensions differ", in(3, 4), in(5, 6));
    }

    @Test void softmax() {
        assertEquals(TensorType.f32(2, 3), infer("softmax", at("axis", -1), in(2, 3)));
        rejects("softmax", at("axis", 2), "out of range", in(2, 3));
    }

    @Test void layerNorm() {
        assertEquals(TensorType.f32(1, 336, 384), infer("layer_norm", at("epsilon", 1e-5), in(1, 336, 384), in(384), in(384)));
        rejects("layer_norm", null, "gamma must be [384]", in(1, 336, 384), in(383));
        rejects("layer_norm", at("axes", new int[]{1}), "trailing axes", in(1, 336, 384));
    }

    @Test void groupNorm() {
        assertEquals(TensorType.f32(2, 48, 100), infer("group_norm", at("num_groups", 4), in(2, 48, 100), in(48), in(48)));
        rejects("group_norm", at("num_groups", 5), "not divisible", in(2, 48, 100));
        rejects("group_norm", null, "missing attribute 'num_groups'", in(2, 48, 100));
    }

    @Test void glu() {
        assertEquals(TensorType.f32(1, 48, 512, 336), infer("glu", at("axis", 1), in(1, 96, 512, 336)));
        rejects("glu", at("axis", 1), "odd size", in(1, 95, 4));
    }

    @Test void transpose() {
        assertEquals(TensorType.f32(4, 2, 3), infer("transpose", at("perm", new int[]{2, 0, 1}), in(2, 3, 4)));
        rejects("transpose", at("perm", new int[]{0, 0, 1}), "not a permutation", in(2, 3, 4));
    }

    @Test void reshape() {
        assertEquals(TensorType.f32(6, 4), infer("reshape", at("shape", new int[]{-1, 4}), in(2, 3, 4)));
        rejects("reshape", at("shape", new int[]{5, -1}), "cannot reshape", in(2, 3, 4));
        rejects("reshape", at("shape", new int[]{-1, -1}), "more than one -1", in(2, 3, 4));
    }

    @Test void slice() {
        assertEquals(TensorType.f32(1, 2, 2048), infer("slice", at("begin", new int[]{0, 0, 4}, "end", new int[]{1, 2, 2052}), in(1, 2, 2056)));
        rejects("slice", at("begin", new int[]{0, 0, 4}, "end", new int[]{1, 2, 2060}), "outside", in(1, 2, 2056));
    }

    @Test void concat() {
        assertEquals(TensorType.f32(1, 7, 5), infer("concat", at("axis", 1), in(1, 3, 5), in(1, 4, 5)));
        rejects("concat", at("axis", 1), "differs", in(1, 3, 5), in(1, 4, 6));
    }

    @Test void split() {
        TESTED.add("split");
        List<Value> parts = b.opMulti("split", "split", at("axis", 0, "sizes", new int[]{384, 384, 384}), in(1152, 384));
        assertEquals(3, parts.size());
        assertEquals(TensorType.f32(384, 384), parts.get(2).type());
        rejects("split", at("axis", 0, "sizes", new int[]{10, 10}), "sum to 20", in(30, 2));
    }

    @Test void pad() {
        assertEquals(TensorType.f32(1, 2, 12), infer("pad", at("pads", new int[]{0, 0, 0, 0, 1, 3}), in(1, 2, 8)));
        assertEquals(TensorType.f32(1, 2, 14), infer("pad", at("pads", new int[]{0, 0, 0, 0, 3, 3}, "mode", "reflect"), in(1, 2, 8)));
        rejects("pad", at("pads", new int[]{0, 0, 0, 0, 8, 0}, "mode", "reflect"), "must be smaller", in(1, 2, 8));
        rejects("pad", at("pads", new int[]{1, 1}), "pads needs 6", in(1, 2, 8));
    }

    @Test void stft() {
        // released models: 343980 samples, nfft 4096, hop 1024 -> 2048 bins x 336 frames
        assertEquals(TensorType.f32(1, 4, 2048, 336), infer("stft", at("n_fft", 4096, "hop", 1024), in(1, 2, 343980)));
        assertEquals(TensorType.f32(1, 4, 2048, 22), infer("stft", at("n_fft", 4096, "hop", 1024), in(1, 2, 22050)));
        rejects("stft", at("n_fft", 4096, "hop", 1024), "mix must be [B, C, L]", in(2, 343980));
    }

    @Test void istft() {
        assertEquals(TensorType.f32(1, 6, 2, 343980), infer("istft", at("n_fft", 4096, "hop", 1024, "length", 343980), in(1, 6, 4, 2048, 336)));
        rejects("istft", at("n_fft", 4096, "hop", 1024, "length", 100), "must be n_fft/2", in(1, 6, 4, 2047, 336));
    }

    @Test void unknownAttributeAndInputCount() {
        rejects("sqrt", at("axis", 1), "unknown attribute 'axis'", in(2));
        rejects("add", null, "needs 2 inputs", in(2));
        rejects("sqrt", null, "at most 1 inputs", in(2), in(2));
    }

    @AfterAll
    static void everyRegisteredOpIsTested() {
        Set<String> registered = new TreeSet<>(OpRegistry.standard().all().keySet());
        registered.removeAll(TESTED);
        assertEquals(Set.of(), registered, "ops without a shape-inference test");
    }
}

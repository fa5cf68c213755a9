package dev.htdemucs.coreml;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Graph;
import dev.htdemucs.ir.GraphBuilder;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.Value;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.htdemucs.coreml.TestSupport.f32;
import static dev.htdemucs.coreml.TestSupport.positive;
import static dev.htdemucs.coreml.TestSupport.randn;

/** One small graph per IR op (and per lowering path), with random weights; inputs are made by the tests. */
final class OpCases {
    /** A graph and whether its inputs must be positive (sqrt, pow). */
    record Case(String name, Graph graph, boolean positiveInputs) {
        @Override public String toString() { return name; }
    }

    private OpCases() {}

    static List<Case> all() {
        List<Case> cases = new ArrayList<>();
        Random r = new Random(1234);
        for (String op : new String[]{"add", "sub", "mul", "div"}) {
            GraphBuilder b = new GraphBuilder(op);
            Value x = b.input("x", f32(2, 3, 4));
            Value y = b.constant("y", op.equals("div") ? positive(r, 3, 4) : randn(r, 1f, 3, 4));
            b.output("y_out", b.op(op, op, null, x, y));
            cases.add(new Case(op + "_const_broadcast", b.build(), false));
            GraphBuilder b2 = new GraphBuilder(op + "2");
            Value a = b2.input("a", f32(2, 1, 4)), c = b2.input("c", f32(3, 1));
            b2.output("out", b2.op(op, op, null, a, c));
            cases.add(new Case(op + "_two_inputs", b2.build(), op.equals("div")));
        }
        {
            GraphBuilder b = new GraphBuilder("pow");
            Value x = b.input("x", f32(2, 5));
            b.output("out", b.op("pow", "pow", null, x, b.scalar("two", 2f)));
            cases.add(new Case("pow_scalar", b.build(), true));
            GraphBuilder b2 = new GraphBuilder("pow2");
            Value p = b2.input("x", f32(2, 5)), q = b2.input("y", f32(2, 5));
            b2.output("out", b2.op("pow", "pow", null, p, q));
            cases.add(new Case("pow_tensor", b2.build(), true));
        }
        for (String op : new String[]{"sqrt", "sigmoid", "relu", "gelu", "sin", "cos"}) {
            GraphBuilder b = new GraphBuilder(op);
            b.output("out", b.op(op, op, null, b.input("x", f32(3, 7))));
            cases.add(new Case(op, b.build(), op.equals("sqrt")));
        }
        {
            GraphBuilder b = new GraphBuilder("conv1d");
            Value x = b.input("x", f32(1, 4, 20));
            Value y = b.op("conv", "conv", Attributes.of("strides", new int[]{2}, "pads", new int[]{1, 2}),
                    x, b.constant("w", randn(r, 0.3f, 6, 4, 3)), b.constant("b", randn(r, 0.1f, 6)));
            b.output("out", y);
            cases.add(new Case("conv1d_stride_pad_bias", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("conv2d");
            Value x = b.input("x", f32(1, 4, 9, 7));
            Value y = b.op("conv", "conv", Attributes.of("strides", new int[]{2, 1}, "pads", new int[]{2, 2, 0, 1},
                    "dilations", new int[]{2, 1}, "groups", 2), x, b.constant("w", randn(r, 0.3f, 6, 2, 3, 2)));
            b.output("out", y);
            cases.add(new Case("conv2d_groups_dilation_nobias", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("conv_dynamic_bias");
            Value x = b.input("x", f32(1, 3, 10)), bias = b.input("bias", f32(5));
            b.output("out", b.op("conv", "conv", null, x, b.constant("w", randn(r, 0.3f, 5, 3, 1)), bias));
            cases.add(new Case("conv1d_input_bias", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("convtr1d");
            Value x = b.input("x", f32(1, 4, 10));
            Value y = b.op("conv_transpose", "convtr", Attributes.of("strides", new int[]{4}, "pads", new int[]{2, 2}),
                    x, b.constant("w", randn(r, 0.3f, 4, 3, 8)), b.constant("b", randn(r, 0.1f, 3)));
            b.output("out", y);
            cases.add(new Case("conv_transpose1d", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("convtr2d");
            Value x = b.input("x", f32(1, 4, 5, 3));
            Value y = b.op("conv_transpose", "convtr", Attributes.of("strides", new int[]{4, 1}, "groups", 2),
                    x, b.constant("w", randn(r, 0.3f, 4, 3, 8, 1)), b.constant("b", randn(r, 0.1f, 6)));
            b.output("out", y);
            cases.add(new Case("conv_transpose2d_groups", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("linear");
            Value x = b.input("x", f32(2, 5, 8));
            b.output("out", b.op("linear", "linear", null, x, b.constant("w", randn(r, 0.3f, 6, 8)), b.constant("b", randn(r, 0.1f, 6))));
            cases.add(new Case("linear_rank3", b.build(), false));
            GraphBuilder b2 = new GraphBuilder("linear4");
            Value x4 = b2.input("x", f32(2, 2, 5, 8));
            b2.output("out", b2.op("linear", "linear", null, x4, b2.constant("w", randn(r, 0.3f, 6, 8)), b2.constant("b", randn(r, 0.1f, 6))));
            cases.add(new Case("linear_rank4_as_matmul", b2.build(), false));
            GraphBuilder b3 = new GraphBuilder("linear_dynamic");
            Value x3 = b3.input("x", f32(3, 8)), w = b3.input("w", f32(4, 8));
            b3.output("out", b3.op("linear", "linear", null, x3, w));
            cases.add(new Case("linear_input_weight_nobias", b3.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("matmul");
            Value x = b.input("x", f32(2, 3, 4, 5)), y = b.input("y", f32(2, 3, 5, 6));
            b.output("out", b.op("matmul", "matmul", null, x, y));
            cases.add(new Case("matmul_batched", b.build(), false));
            GraphBuilder b2 = new GraphBuilder("matmul_t");
            Value p = b2.input("x", f32(2, 1, 5, 4)), q = b2.input("y", f32(3, 6, 5));
            b2.output("out", b2.op("matmul", "matmul", Attributes.of("transpose_x", true, "transpose_y", true), p, q));
            cases.add(new Case("matmul_transposed_broadcast", b2.build(), false));
        }
        for (String op : new String[]{"reduce_mean", "reduce_sum"}) {
            GraphBuilder b = new GraphBuilder(op);
            Value x = b.input("x", f32(2, 3, 4, 5));
            b.output("kept", b.op(op, op + "_kept", Attributes.of("axes", new int[]{1, 2}, "keep_dims", true), x));
            b.output("dropped", b.op(op, op + "_dropped", Attributes.of("axes", new int[]{-1}), x));
            cases.add(new Case(op, b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("softmax");
            Value x = b.input("x", f32(2, 3, 6));
            b.output("last", b.op("softmax", "softmax_last", null, x));
            b.output("middle", b.op("softmax", "softmax_middle", Attributes.of("axis", 1), x));
            cases.add(new Case("softmax", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("layer_norm");
            Value x = b.input("x", f32(2, 5, 12));
            b.output("affine", b.op("layer_norm", "ln", Attributes.of("epsilon", 1e-5),
                    x, b.constant("gamma", randn(r, 1f, 12)), b.constant("beta", randn(r, 1f, 12))));
            b.output("plain", b.op("layer_norm", "ln2", Attributes.of("axes", new int[]{-2, -1}), x));
            cases.add(new Case("layer_norm", b.build(), false));
            GraphBuilder b2 = new GraphBuilder("layer_norm_dynamic");
            Value x2 = b2.input("x", f32(3, 8)), g = b2.input("gamma", f32(8));
            b2.output("out", b2.op("layer_norm", "ln", null, x2, g, b2.constant("beta", randn(r, 1f, 8))));
            cases.add(new Case("layer_norm_input_gamma", b2.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("group_norm");
            Value x = b.input("x", f32(1, 4, 6, 5));
            b.output("out", b.op("group_norm", "gn", Attributes.of("num_groups", 2, "epsilon", 1e-5),
                    x, b.constant("gamma", randn(r, 1f, 4)), b.constant("beta", randn(r, 1f, 4))));
            cases.add(new Case("group_norm_2d", b.build(), false));
            GraphBuilder b2 = new GraphBuilder("group_norm1");
            Value x2 = b2.input("x", f32(2, 8, 10));
            b2.output("out", b2.op("group_norm", "gn", Attributes.of("num_groups", 1), x2, b2.constant("gamma", randn(r, 1f, 8))));
            cases.add(new Case("group_norm_1group_gamma_only", b2.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("glu");
            Value x = b.input("x", f32(1, 8, 7));
            b.output("out", b.op("glu", "glu", Attributes.of("axis", 1), x));
            cases.add(new Case("glu", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("shapes");
            Value x = b.input("x", f32(2, 3, 4));
            Value t = b.op("transpose", "t", Attributes.of("perm", new int[]{2, 0, 1}), x);
            Value rs = b.op("reshape", "rs", Attributes.of("shape", new int[]{4, -1}), t);
            Value sl = b.op("slice", "sl", Attributes.of("begin", new int[]{1, 2}, "end", new int[]{3, 6}), rs);
            b.output("sliced", sl);
            b.output("transposed", t);
            cases.add(new Case("transpose_reshape_slice", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("concat_split");
            Value a = b.input("a", f32(2, 1, 3)), c = b.input("c", f32(2, 4, 3));
            Value cat = b.op("concat", "cat", Attributes.of("axis", 1), a, c, a);
            List<Value> parts = b.opMulti("split", "split", Attributes.of("axis", 1, "sizes", new int[]{2, 3, 1}), cat);
            b.output("p0", parts.get(0)).output("p1", parts.get(1)).output("p2", parts.get(2));
            cases.add(new Case("concat_split", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("pad");
            Value x = b.input("x", f32(1, 2, 6));
            b.output("constant", b.op("pad", "padc", Attributes.of("pads", new int[]{0, 0, 1, 0, 2, 3}, "value", 0.5), x));
            b.output("reflect", b.op("pad", "padr", Attributes.of("pads", new int[]{0, 0, 0, 0, 3, 2}, "mode", "reflect"), x));
            cases.add(new Case("pad_constant_reflect", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("casts");
            Value x = b.input("x", f32(3, 4));
            Value h = b.op("cast", "to_half", Attributes.of("dtype", DType.FLOAT16), x);
            Value f = b.op("cast", "to_float", Attributes.of("dtype", DType.FLOAT32), h);
            b.output("rounded", b.op("relu", "relu", null, f));
            cases.add(new Case("cast_round_trip", b.build(), false));
        }
        {
            GraphBuilder b = new GraphBuilder("passthrough");
            Value x = b.input("x", f32(2, 3));
            Value s = b.op("sigmoid", "s", null, x);
            b.output("same_as_input", x).output("first", s).output("second", s);
            b.output("weights", b.constant("table", Tensor.ofFloats(new int[]{2, 2}, 1, 2, 3, 4)));
            cases.add(new Case("outputs_alias_inputs_and_each_other", b.build(), false));
        }
        return cases;
    }

    /** Every case's ops in one graph per case are small; this is one graph holding all lowering paths, for the checker. */
    static Graph kitchenSink() {
        Random r = new Random(99);
        GraphBuilder b = new GraphBuilder("kitchen_sink");
        Value x = b.input("x", f32(1, 8, 16));
        Value c = b.op("conv", "conv", Attributes.of("pads", new int[]{1, 1}), x, b.constant("cw", randn(r, 0.2f, 8, 8, 3)), b.constant("cb", randn(r, 0.1f, 8)));
        Value g = b.op("group_norm", "gn", Attributes.of("num_groups", 2), c, b.constant("gg", randn(r, 1f, 8)), b.constant("gb", randn(r, 1f, 8)));
        Value ge = b.op("gelu", "gelu", null, g);
        Value gl = b.op("glu", "glu", Attributes.of("axis", 1), b.op("conv", "conv2", null, ge, b.constant("cw2", randn(r, 0.2f, 16, 8, 1))));
        Value ct = b.op("conv_transpose", "convtr", Attributes.of("strides", new int[]{2}, "pads", new int[]{1, 1}), gl,
                b.constant("tw", randn(r, 0.2f, 8, 4, 4)), b.constant("tb", randn(r, 0.1f, 4)));
        Value t = b.op("transpose", "t", Attributes.of("perm", new int[]{0, 2, 1}), ct);
        Value ln = b.op("layer_norm", "ln", null, t, b.constant("lg", randn(r, 1f, 4)), b.constant("lb", randn(r, 1f, 4)));
        Value lin = b.op("linear", "lin", null, ln, b.constant("lw", randn(r, 0.3f, 12, 4)), b.constant("lbias", randn(r, 0.1f, 12)));
        List<Value> qkv = b.opMulti("split", "qkv", Attributes.of("axis", 2, "sizes", new int[]{4, 4, 4}), lin);
        Value scores = b.op("matmul", "scores", Attributes.of("transpose_y", true), qkv.get(0), qkv.get(1));
        Value scaled = b.op("div", "scaled", null, scores, b.scalar("scale", 2f));
        Value attn = b.op("softmax", "attn", null, scaled);
        Value ctx = b.op("matmul", "ctx", null, attn, qkv.get(2));
        Value rs = b.op("reshape", "rs", Attributes.of("shape", new int[]{1, -1}), ctx);
        Value sq = b.op("mul", "sq", null, rs, rs);
        Value mean = b.op("reduce_mean", "mean", Attributes.of("axes", new int[]{1}, "keep_dims", true), sq);
        Value sum = b.op("reduce_sum", "sum", Attributes.of("axes", new int[]{1}, "keep_dims", true), sq);
        Value root = b.op("sqrt", "root", null, b.op("add", "eps", null, mean, b.scalar("eps_c", 1e-5f)));
        Value p = b.op("pow", "p", null, b.op("sigmoid", "sig", null, sum), b.scalar("half", 0.5f));
        Value diff = b.op("sub", "diff", null, root, p);
        Value padded = b.op("pad", "padded", Attributes.of("pads", new int[]{0, 0, 2, 2}, "mode", "reflect"), rs);
        Value sliced = b.op("slice", "sliced", Attributes.of("begin", new int[]{0, 1}, "end", new int[]{1, 33}), padded);
        Value joined = b.op("concat", "joined", Attributes.of("axis", 1), sliced, diff);
        float[] positions = new float[33];
        for (int i = 0; i < positions.length; i++) positions[i] = 40f * i;
        Value phase = b.op("mul", "phase", null, b.constant("positions", Tensor.ofFloats(new int[]{1, 33}, positions)), b.scalar("freq", 0.37f));
        Value waves = b.op("add", "waves", null, b.op("sin", "sin", null, phase), b.op("cos", "cos", null, joined));
        b.output("out", b.op("relu", "relu", null, waves));
        b.output("diff", diff);
        return b.build();
    }
}

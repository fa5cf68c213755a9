package dev.htdemucs.onnx;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.ir.Value;
import dev.htdemucs.onnx.OnnxConstantFolder.SliceRange;
import dev.htdemucs.onnx.OnnxGraphImporter.NodeContext;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static dev.htdemucs.onnx.TensorElements.longs;
import static dev.htdemucs.onnx.TensorElements.reals;

/**
 * ONNX op → IR ops, keyed by ONNX op type, for nodes that compute on graph data (nodes whose inputs
 * are all known are folded by {@link OnnxConstantFolder} instead). Parameters such as shapes, axes,
 * pads and split sizes must be known at import time; weights may be either.
 */
final class OnnxOpImporters {

    @FunctionalInterface
    private interface Importer {
        void importNode(NodeContext ctx);
    }

    private final Map<String, Importer> byOp = new TreeMap<>();

    OnnxOpImporters() {
        binary("Add", "add");
        binary("Sub", "sub");
        binary("Mul", "mul");
        binary("Div", "div");
        binary("Pow", "pow");
        unary("Sqrt", "sqrt");
        unary("Sigmoid", "sigmoid");
        unary("Relu", "relu");
        unary("Sin", "sin");
        unary("Cos", "cos");
        byOp.put("Gelu", this::gelu);
        byOp.put("Erf", ctx -> {
            throw ctx.error("Erf outside the exact-GELU pattern x * 0.5 * (1 + erf(x / sqrt(2))) is not supported (the IR has gelu, not erf)");
        });
        byOp.put("Identity", ctx -> ctx.define(0, ctx.value(0)));
        byOp.put("Cast", ctx -> ctx.define(0, ctx.op("cast", Attributes.of("dtype",
                OnnxDataTypes.fromOnnx(ctx.attributes().requiredInteger("to"), ctx.where)), ctx.value(0))));
        byOp.put("Conv", ctx -> convolution(ctx, "conv"));
        byOp.put("ConvTranspose", ctx -> convolution(ctx, "conv_transpose"));
        byOp.put("Gemm", this::gemm);
        byOp.put("MatMul", this::matmul);
        byOp.put("Softmax", this::softmax);
        byOp.put("LayerNormalization", this::layerNorm);
        byOp.put("InstanceNormalization", this::instanceNorm);
        byOp.put("GroupNormalization", this::groupNorm);
        byOp.put("Transpose", this::transpose);
        byOp.put("Reshape", ctx -> reshapeTo(ctx, OnnxConstantFolder.reshapeTarget(ctx.type(0).shape(), longs(ctx.known(1)),
                ctx.attributes().integer("allowzero", 0) != 0, ctx.where)));
        byOp.put("Flatten", ctx -> reshapeTo(ctx, OnnxConstantFolder.flattenShape(ctx.type(0).shape(), ctx.attributes().integer("axis", 1), ctx.where)));
        byOp.put("Squeeze", ctx -> reshapeTo(ctx, OnnxConstantFolder.squeezeShape(ctx.type(0).shape(), axes(ctx, 1, 13), ctx.where)));
        byOp.put("Unsqueeze", ctx -> reshapeTo(ctx, OnnxConstantFolder.unsqueezeShape(ctx.type(0).shape(), axes(ctx, 1, 13), ctx.where)));
        byOp.put("Slice", this::slice);
        byOp.put("Concat", this::concat);
        byOp.put("Split", this::split);
        byOp.put("Pad", this::pad);
        byOp.put("ReduceMean", ctx -> reduce(ctx, "reduce_mean", 18));
        byOp.put("ReduceSum", ctx -> reduce(ctx, "reduce_sum", 13));
    }

    boolean supports(String opType) { return byOp.containsKey(opType); }

    Set<String> supported() { return byOp.keySet(); }

    void importNode(String opType, NodeContext ctx) { byOp.get(opType).importNode(ctx); }

    // ---------------------------------------------------------------------------------------------

    private void binary(String onnx, String ir) {
        byOp.put(onnx, ctx -> ctx.define(0, ctx.op(ir, Attributes.EMPTY, ctx.value(0), ctx.value(1))));
    }

    private void unary(String onnx, String ir) {
        byOp.put(onnx, ctx -> ctx.define(0, ctx.op(ir, Attributes.EMPTY, ctx.value(0))));
    }

    private void gelu(NodeContext ctx) {
        String approximate = ctx.attributes().string("approximate", "none");
        if (!approximate.equals("none")) throw ctx.error("Gelu approximate='" + approximate + "' is not supported; the IR's gelu is exact");
        ctx.define(0, ctx.op("gelu", Attributes.EMPTY, ctx.value(0)));
    }

    /** Axes from input {@code i} (from opset {@code inputSince}) or the attribute (before); null when absent. */
    private static long[] axes(NodeContext ctx, int i, int inputSince) {
        if (ctx.opset() >= inputSince) return ctx.hasInput(i) ? longs(ctx.known(i)) : null;
        return ctx.attributes().int64s("axes");
    }

    private static void reshapeTo(NodeContext ctx, int[] shape) {
        Value x = ctx.value(0);
        ctx.define(0, x.type().sameShape(shape) ? x : ctx.op("reshape", Attributes.of("shape", shape), x));
    }

    /** ONNX pads are all begins then all ends; the IR's are [begin, end] per axis. */
    private static int[] irPads(int[] onnxPads) {
        int axes = onnxPads.length / 2;
        int[] p = new int[onnxPads.length];
        for (int i = 0; i < axes; i++) {
            p[2 * i] = onnxPads[i];
            p[2 * i + 1] = onnxPads[axes + i];
        }
        return p;
    }

    private static void convolution(NodeContext ctx, String irOp) {
        var a = ctx.attributes();
        String autoPad = a.string("auto_pad", "NOTSET");
        if (!autoPad.equals("NOTSET")) throw ctx.error("auto_pad=" + autoPad + " is not supported; explicit pads are");
        TensorType w = ctx.type(1);
        int spatial = w.rank() - 2;
        int[] kernel = a.ints("kernel_shape");
        if (kernel != null && !Arrays.equals(kernel, Arrays.copyOfRange(w.shape(), 2, w.rank()))) {
            throw ctx.error("kernel_shape " + Arrays.toString(kernel) + " does not match the weight " + w);
        }
        if (irOp.equals("conv_transpose")) {
            int[] outputPadding = a.ints("output_padding");
            if (outputPadding != null && Arrays.stream(outputPadding).anyMatch(p -> p != 0)) {
                throw ctx.error("output_padding " + Arrays.toString(outputPadding) + " is not supported");
            }
            if (a.has("output_shape")) throw ctx.error("output_shape is not supported; explicit pads are");
        }
        Attributes.Builder attrs = Attributes.builder();
        int[] ones = new int[spatial];
        Arrays.fill(ones, 1);
        attrs.put("strides", orDefault(a.ints("strides"), ones));
        attrs.put("dilations", orDefault(a.ints("dilations"), ones));
        attrs.put("pads", irPads(orDefault(a.ints("pads"), new int[2 * spatial])));
        attrs.put("groups", a.integer("group", 1));
        ctx.define(0, ctx.op(irOp, attrs.build(), ctx.value(0), ctx.value(1), ctx.optionalValue(2)));
    }

    private static int[] orDefault(int[] v, int[] dflt) { return v == null ? dflt : v; }

    /** Gemm(A, B, C) with alpha = beta = 1 and untransposed A: linear when B and C fit its layout. */
    private void gemm(NodeContext ctx) {
        var a = ctx.attributes();
        if (a.real("alpha", 1f) != 1f || a.real("beta", 1f) != 1f) {
            throw ctx.error("Gemm with alpha=" + a.real("alpha", 1f) + ", beta=" + a.real("beta", 1f) + " is not supported (only 1, 1)");
        }
        if (a.integer("transA", 0) != 0) throw ctx.error("Gemm with transA=1 is not supported");
        boolean transB = a.integer("transB", 0) != 0;
        Value x = ctx.value(0);
        Value weight;
        if (transB) {
            weight = ctx.value(1);
        } else if (ctx.isKnown(1)) {
            weight = ctx.constant("weight_t", OnnxConstantFolder.transpose(ctx.known(1), new int[]{1, 0}, ctx.where));
        } else {
            weight = ctx.op("transpose", Attributes.of("perm", new int[]{1, 0}), ctx.value(1));
        }
        int out = weight.type().dim(0);
        Value bias = null;
        boolean addAfter = false;
        if (ctx.hasInput(2)) {
            TensorType c = ctx.type(2);
            if (c.numel() == out && (c.rank() == 1 || (c.rank() == 2 && c.dim(0) == 1))) {
                bias = c.rank() == 1 ? ctx.value(2) : ctx.isKnown(2) ? ctx.constant("bias", ctx.known(2).reshape(out))
                        : ctx.op("reshape", Attributes.of("shape", new int[]{out}), ctx.value(2));
            } else {
                addAfter = true;
            }
        }
        Value y = ctx.op("linear", Attributes.EMPTY, x, weight, bias);
        if (addAfter) y = ctx.op("add", Attributes.EMPTY, y, ctx.value(2));
        ctx.define(0, y);
    }

    /** MatMul; 1-D operands are lifted to matrices and the added axis removed again, as ONNX/numpy define. */
    private void matmul(NodeContext ctx) {
        Value x = ctx.value(0), y = ctx.value(1);
        boolean vecX = x.type().rank() == 1, vecY = y.type().rank() == 1;
        if (vecX) x = ctx.op("reshape", Attributes.of("shape", new int[]{1, x.type().dim(0)}), x);
        if (vecY) y = ctx.op("reshape", Attributes.of("shape", new int[]{y.type().dim(0), 1}), y);
        Value r = ctx.op("matmul", Attributes.EMPTY, x, y);
        if (vecX || vecY) {
            int[] s = r.type().shape();
            int[] squeezed = vecX && vecY ? new int[0] : Arrays.copyOf(s, s.length - 1);
            if (vecX && !vecY) {
                squeezed = new int[s.length - 1];
                for (int i = 0, j = 0; i < s.length; i++) if (i != s.length - 2) squeezed[j++] = s[i];
            }
            r = ctx.op("reshape", Attributes.of("shape", squeezed), r);
        }
        ctx.define(0, r);
    }

    private void softmax(NodeContext ctx) {
        int rank = ctx.type(0).rank();
        int axis = OnnxConstantFolder.normalizeAxis(ctx.attributes().integer("axis", ctx.opset() >= 13 ? -1 : 1), rank, ctx.where);
        if (ctx.opset() < 13 && axis != rank - 1) {
            throw ctx.error("Softmax before opset 13 flattens the axes from " + axis + " on; only the last axis is supported");
        }
        ctx.define(0, ctx.op("softmax", Attributes.of("axis", axis), ctx.value(0)));
    }

    private void layerNorm(NodeContext ctx) {
        for (int i = 1; i < 3; i++) {
            if (ctx.outputUsed(i)) throw ctx.error("output " + i + " (" + (i == 1 ? "Mean" : "InvStdDev") + ") is used; only Y is supported");
        }
        int rank = ctx.type(0).rank();
        int axis = OnnxConstantFolder.normalizeAxis(ctx.attributes().integer("axis", -1), rank, ctx.where);
        int[] axes = new int[rank - axis];
        for (int i = 0; i < axes.length; i++) axes[i] = axis + i;
        int[] normShape = Arrays.copyOfRange(ctx.type(0).shape(), axis, rank);
        Value scale = affineParameter(ctx, 1, normShape, 1.0);
        Value bias = affineParameter(ctx, 2, normShape, 0.0);
        Attributes attrs = Attributes.of("axes", axes, "epsilon", (double) ctx.attributes().real("epsilon", 1e-5f));
        ctx.define(0, ctx.op("layer_norm", attrs, ctx.value(0), scale, bias));
    }

    /**
     * A scale or bias input reshaped to {@code shape} (ONNX lets them broadcast), or null when absent or
     * known to be all {@code identity} (1 for scales, 0 for biases) — the IR treats absent as identity.
     */
    private static Value affineParameter(NodeContext ctx, int i, int[] shape, double identity) {
        if (!ctx.hasInput(i)) return null;
        if (ctx.isKnown(i)) {
            Tensor t = ctx.known(i);
            if (Arrays.stream(reals(t)).allMatch(v -> v == identity)) return null;
            if (t.numel() == TensorType.of(t.dtype(), shape).numel()) return t.type().sameShape(shape) ? ctx.value(i) : ctx.constant("param" + i, t.reshape(shape));
            throw ctx.error("input " + i + " " + t.type() + " does not match the normalised shape " + Arrays.toString(shape));
        }
        Value v = ctx.value(i);
        if (v.type().numel() != TensorType.of(v.type().dtype(), shape).numel()) {
            throw ctx.error("input " + i + " " + v.type() + " does not match the normalised shape " + Arrays.toString(shape));
        }
        return v.type().sameShape(shape) ? v : ctx.op("reshape", Attributes.of("shape", shape), v);
    }

    /** InstanceNormalization(x, scale[C], B[C]) is group_norm with one group per channel. */
    private void instanceNorm(NodeContext ctx) {
        int channels = ctx.type(0).dim(1);
        Value scale = affineParameter(ctx, 1, new int[]{channels}, 1.0);
        Value bias = affineParameter(ctx, 2, new int[]{channels}, 0.0);
        Attributes attrs = Attributes.of("num_groups", channels, "epsilon", (double) ctx.attributes().real("epsilon", 1e-5f));
        ctx.define(0, ctx.op("group_norm", attrs, ctx.value(0), scale, bias));
    }

    /**
     * GroupNormalization: per-channel scale and bias from opset 21; per-group in opset 18..20, which is
     * the per-channel affine with each group's value repeated over its channels.
     */
    private void groupNorm(NodeContext ctx) {
        int channels = ctx.type(0).dim(1);
        int groups = ctx.attributes().requiredInteger("num_groups");
        if (groups < 1 || channels % groups != 0) throw ctx.error(channels + " channels cannot form " + groups + " groups");
        Value scale, bias;
        if (ctx.opset() >= 21) {
            scale = affineParameter(ctx, 1, new int[]{channels}, 1.0);
            bias = affineParameter(ctx, 2, new int[]{channels}, 0.0);
        } else {
            scale = perGroupToPerChannel(ctx, 1, groups, channels, 1.0);
            bias = perGroupToPerChannel(ctx, 2, groups, channels, 0.0);
        }
        Attributes attrs = Attributes.of("num_groups", groups, "epsilon", (double) ctx.attributes().real("epsilon", 1e-5f));
        ctx.define(0, ctx.op("group_norm", attrs, ctx.value(0), scale, bias));
    }

    private static Value perGroupToPerChannel(NodeContext ctx, int i, int groups, int channels, double identity) {
        Tensor t = ctx.known(i);
        double[] g = reals(t);
        if (g.length != groups) throw ctx.error("GroupNormalization-18 input " + i + " must have " + groups + " values (one per group), found " + t.type());
        if (Arrays.stream(g).allMatch(v -> v == identity)) return null;
        double[] c = new double[channels];
        for (int ch = 0; ch < channels; ch++) c[ch] = g[ch / (channels / groups)];
        return ctx.constant("param" + i, TensorElements.ofReals(t.dtype(), new int[]{channels}, c));
    }

    private void transpose(NodeContext ctx) {
        int rank = ctx.type(0).rank();
        int[] perm = ctx.attributes().ints("perm");
        if (perm == null) {
            perm = new int[rank];
            for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
        }
        ctx.define(0, ctx.op("transpose", Attributes.of("perm", perm), ctx.value(0)));
    }

    private void slice(NodeContext ctx) {
        TensorType x = ctx.type(0);
        long[] starts, ends, axes, steps;
        if (ctx.opset() < 10) {
            starts = ctx.attributes().int64s("starts");
            ends = ctx.attributes().int64s("ends");
            axes = ctx.attributes().int64s("axes");
            steps = null;
        } else {
            starts = longs(ctx.known(1));
            ends = longs(ctx.known(2));
            axes = ctx.hasInput(3) ? longs(ctx.known(3)) : null;
            steps = ctx.hasInput(4) ? longs(ctx.known(4)) : null;
        }
        SliceRange[] r = OnnxConstantFolder.sliceRanges(x.shape(), starts, ends, axes, steps, ctx.where);
        int[] begin = new int[x.rank()], end = new int[x.rank()];
        for (int a = 0; a < x.rank(); a++) {
            if (r[a].step() != 1) throw ctx.error("Slice with step " + r[a].step() + " on graph data is not supported (the IR slice has step 1)");
            begin[a] = r[a].start();
            end[a] = r[a].start() + r[a].count();
        }
        ctx.define(0, ctx.op("slice", Attributes.of("begin", begin, "end", end), ctx.value(0)));
    }

    private void concat(NodeContext ctx) {
        int n = ctx.inputCount();
        Value[] in = new Value[n];
        for (int i = 0; i < n; i++) in[i] = ctx.value(i);
        int axis = OnnxConstantFolder.normalizeAxis(ctx.attributes().requiredInteger("axis"), in[0].type().rank(), ctx.where);
        ctx.define(0, n == 1 ? in[0] : ctx.op("concat", Attributes.of("axis", axis), in));
    }

    private void split(NodeContext ctx) {
        TensorType x = ctx.type(0);
        int axis = OnnxConstantFolder.normalizeAxis(ctx.attributes().integer("axis", 0), x.rank(), ctx.where);
        long[] given = ctx.opset() >= 13 ? (ctx.hasInput(1) ? longs(ctx.known(1)) : null) : ctx.attributes().int64s("split");
        int outputs = ctx.node.getOutputCount();
        int[] sizes = OnnxConstantFolder.splitSizes(x.dim(axis), given, outputs, ctx.where);
        if (sizes.length != outputs) throw ctx.error("split sizes " + Arrays.toString(sizes) + " do not match the " + outputs + " outputs");
        List<Value> parts = ctx.opMulti("split", Attributes.of("axis", axis, "sizes", sizes), ctx.value(0));
        for (int i = 0; i < parts.size(); i++) ctx.define(i, parts.get(i));
    }

    private void pad(NodeContext ctx) {
        TensorType x = ctx.type(0);
        String mode = ctx.attributes().string("mode", "constant");
        if (!mode.equals("constant") && !mode.equals("reflect")) {
            throw ctx.error("Pad mode '" + mode + "' is not supported (constant, reflect are)");
        }
        long[] pads = ctx.opset() >= 11 ? longs(ctx.known(1)) : ctx.attributes().int64s("pads");
        if (pads == null) throw ctx.error("Pad has no pads");
        int rank = x.rank();
        int[] full = new int[2 * rank];
        if (ctx.opset() >= 18 && ctx.hasInput(3)) {
            long[] axes = longs(ctx.known(3));
            if (pads.length != 2 * axes.length) throw ctx.error("pads " + Arrays.toString(pads) + " do not match axes " + Arrays.toString(axes));
            for (int i = 0; i < axes.length; i++) {
                int a = OnnxConstantFolder.normalizeAxis(axes[i], rank, ctx.where);
                full[2 * a] = Math.toIntExact(pads[i]);
                full[2 * a + 1] = Math.toIntExact(pads[axes.length + i]);
            }
        } else {
            if (pads.length != 2 * rank) throw ctx.error("pads " + Arrays.toString(pads) + " need " + 2 * rank + " entries for " + x);
            full = irPads(OnnxConstantFolder.toInts(pads, ctx.where));
        }
        for (int p : full) if (p < 0) throw ctx.error("negative pads (cropping) " + Arrays.toString(pads) + " are not supported");
        Attributes.Builder attrs = Attributes.builder().put("pads", full).put("mode", mode);
        if (mode.equals("constant")) {
            double value = 0;
            if (ctx.opset() >= 11 && ctx.hasInput(2)) {
                Tensor fill = ctx.known(2);
                if (fill.numel() != 1) throw ctx.error("Pad constant_value must be one element, found " + fill.type());
                value = reals(fill)[0];
            } else if (ctx.opset() < 11) value = ctx.attributes().real("value", 0f);
            if (value != 0) attrs.put("value", value);
        }
        boolean noop = Arrays.stream(full).allMatch(p -> p == 0);
        ctx.define(0, noop ? ctx.value(0) : ctx.op("pad", attrs.build(), ctx.value(0)));
    }

    private void reduce(NodeContext ctx, String irOp, int axesInputSince) {
        TensorType x = ctx.type(0);
        long[] axes = axes(ctx, 1, axesInputSince);
        boolean keep = ctx.attributes().integer("keepdims", 1) != 0;
        int[] irAxes;
        if (axes == null || axes.length == 0) {
            if (ctx.attributes().integer("noop_with_empty_axes", 0) != 0) {
                ctx.define(0, ctx.value(0));
                return;
            }
            irAxes = new int[x.rank()];
            for (int i = 0; i < irAxes.length; i++) irAxes[i] = i;
        } else {
            irAxes = new int[axes.length];
            for (int i = 0; i < axes.length; i++) irAxes[i] = OnnxConstantFolder.normalizeAxis(axes[i], x.rank(), ctx.where);
        }
        ctx.define(0, ctx.op(irOp, Attributes.of("axes", irAxes, "keep_dims", keep), ctx.value(0)));
    }
}

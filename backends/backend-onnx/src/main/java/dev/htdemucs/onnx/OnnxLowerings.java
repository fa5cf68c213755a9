package dev.htdemucs.onnx;

import dev.htdemucs.ir.Attributes;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Node;
import dev.htdemucs.ir.ops.Convolution;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.onnx.proto.OnnxProto.AttributeProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.htdemucs.onnx.OnnxAttributes.ofFloat;
import static dev.htdemucs.onnx.OnnxAttributes.ofInt;
import static dev.htdemucs.onnx.OnnxAttributes.ofInts;
import static dev.htdemucs.onnx.OnnxAttributes.ofString;

/**
 * How each IR op becomes ONNX nodes, keyed by the IR op name (one entry per op, the IR op's javadoc
 * being the semantics to preserve). Opset-dependent spellings are decided here: ReduceMean axes
 * (attribute before 18, input from 18), Gelu (Erf formula before 20), GroupNormalization (none before
 * 18, per-group affine in 18..20, per-channel from 21).
 */
final class OnnxLowerings {
    private OnnxLowerings() {}

    @FunctionalInterface
    private interface Lowering {
        void lower(Node node, OnnxGraphExporter out);
    }

    private static final Map<String, Lowering> BY_OP = new TreeMap<>();

    static {
        BY_OP.put("add", (n, o) -> o.emit("Add", List.of(o.input(0), o.input(1))));
        BY_OP.put("sub", (n, o) -> o.emit("Sub", List.of(o.input(0), o.input(1))));
        BY_OP.put("mul", (n, o) -> o.emit("Mul", List.of(o.input(0), o.input(1))));
        BY_OP.put("div", (n, o) -> o.emit("Div", List.of(o.input(0), o.input(1))));
        BY_OP.put("pow", (n, o) -> o.emit("Pow", List.of(o.input(0), o.input(1))));
        BY_OP.put("sqrt", (n, o) -> o.emit("Sqrt", List.of(o.input(0))));
        BY_OP.put("sigmoid", (n, o) -> o.emit("Sigmoid", List.of(o.input(0))));
        BY_OP.put("relu", (n, o) -> o.emit("Relu", List.of(o.input(0))));
        BY_OP.put("sin", (n, o) -> o.emit("Sin", List.of(o.input(0))));
        BY_OP.put("cos", (n, o) -> o.emit("Cos", List.of(o.input(0))));
        BY_OP.put("gelu", OnnxLowerings::gelu);
        BY_OP.put("cast", (n, o) -> o.emit("Cast", List.of(o.input(0)), ofInt("to", OnnxDataTypes.toOnnx(n.attributes().dtype("dtype")))));
        BY_OP.put("reduce_mean", (n, o) -> reduce("ReduceMean", 18, n, o));
        BY_OP.put("reduce_sum", (n, o) -> reduce("ReduceSum", 13, n, o));
        BY_OP.put("conv", (n, o) -> convolution("Conv", n, o));
        BY_OP.put("conv_transpose", (n, o) -> convolution("ConvTranspose", n, o));
        BY_OP.put("linear", OnnxLowerings::linear);
        BY_OP.put("matmul", OnnxLowerings::matmul);
        BY_OP.put("softmax", (n, o) -> o.emit("Softmax", List.of(o.input(0)), ofInt("axis", n.attributes().integer("axis", -1))));
        BY_OP.put("layer_norm", OnnxLowerings::layerNorm);
        BY_OP.put("group_norm", OnnxLowerings::groupNorm);
        BY_OP.put("glu", OnnxLowerings::glu);
        BY_OP.put("transpose", (n, o) -> o.emit("Transpose", List.of(o.input(0)), ofInts("perm", n.attributes().ints("perm"))));
        BY_OP.put("reshape", OnnxLowerings::reshape);
        BY_OP.put("slice", OnnxLowerings::slice);
        BY_OP.put("concat", OnnxLowerings::concat);
        BY_OP.put("split", OnnxLowerings::split);
        BY_OP.put("pad", OnnxLowerings::pad);
    }

    static void lower(Node node, OnnxGraphExporter out) {
        Lowering l = BY_OP.get(node.op());
        if (l == null) {
            throw new OnnxConversionException("node " + node.name() + ": IR op '" + node.op() + "' has no ONNX lowering; supported ops: "
                    + BY_OP.keySet());
        }
        l.lower(node, out);
    }

    /** A host-side op ({@code OpDef.runsOnHost}): the graph must be cut first. */
    static void refuseHostSide(Node n) {
        throw new OnnxConversionException("node " + n.name() + ": '" + n.op() + "' is a host-side op (demucs "
                + (n.op().equals("stft") ? "_spec/_magnitude" : "_mask/_ispec") + ") that ONNX cannot express here;"
                + " run the extract-inner pass first to export the inner network (inputs mix, spec; outputs spec_out, wave_out)");
    }

    private static DType dtypeOf(Node n, int input) { return n.input(input).type().dtype(); }

    /** Exact GELU: Gelu from opset 20, before that x * 0.5 * (1 + erf(x / sqrt(2))) as torch.onnx writes it. */
    private static void gelu(Node n, OnnxGraphExporter o) {
        String x = o.input(0);
        if (o.opset() >= 20) {
            o.emit("Gelu", List.of(x), ofString("approximate", "none"));
            return;
        }
        DType t = dtypeOf(n, 0);
        String scaled = o.emitTemp("Div", "div_sqrt2", List.of(x, o.scalar("sqrt2", t, (float) Math.sqrt(2))));
        String erf = o.emitTemp("Erf", "erf", List.of(scaled));
        String plusOne = o.emitTemp("Add", "add_one", List.of(erf, o.scalar("one", t, 1f)));
        String times = o.emitTemp("Mul", "mul_x", List.of(x, plusOne));
        o.emit("Mul", List.of(times, o.scalar("half", t, 0.5f)));
    }

    /**
     * Reductions over more elements than this are split into stages of at most this many. ONNX Runtime
     * accumulates ReduceMean/ReduceSum (and InstanceNormalization/GroupNormalization statistics) in float32, so one
     * sum over millions of elements (the input normalisation over spec [1, 4, 2048, 336], group norms over whole
     * encoder activations) is off by ~1e-5 relative; sums of at most a few thousand elements, then sums of those,
     * stay near float32 rounding.
     */
    static final int MAX_REDUCTION_STAGE = 4096;

    private static void reduce(String opType, int axesInputSince, Node n, OnnxGraphExporter o) {
        int[] axes = n.attributes().ints("axes");
        boolean keepDims = n.attributes().bool("keep_dims", false);
        AttributeProto keep = ofInt("keepdims", keepDims ? 1 : 0);
        TensorType x = n.input(0).type();
        if (axes.length > 0 && reducedCount(x.shape(), axes) > MAX_REDUCTION_STAGE) {
            String staged = stagedReduce(opType, axesInputSince, o.input(0), x.shape(), axes, o);
            o.emit("Reshape", List.of(staged, o.int64s("reduced_shape", n.output().type().shape())));
        } else if (axes.length == 0) {
            // ONNX reads "no axes" as "all axes"; the IR's empty list means none: an identity.
            o.emit("Identity", List.of(o.input(0)));
        } else if (o.opset() >= axesInputSince) {
            o.emit(opType, List.of(o.input(0), o.int64s("axes", axes)), keep);
        } else {
            o.emit(opType, List.of(o.input(0)), ofInts("axes", axes), keep);
        }
    }

    private static long reducedCount(int[] shape, int[] axes) {
        long count = 1;
        for (int a : normalizedAxes(shape.length, axes)) count *= shape[a];
        return count;
    }

    /** Distinct non-negative axes, largest first. */
    private static int[] normalizedAxes(int rank, int[] axes) {
        return Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).distinct().boxed()
                .sorted((a, b) -> Integer.compare(b, a)).mapToInt(Integer::intValue).toArray();
    }

    /**
     * {@code opType} (ReduceSum or ReduceMean) over {@code axes} as a chain of reductions of at most
     * {@link #MAX_REDUCTION_STAGE} elements each (when the extents allow): one axis at a time, innermost first, and
     * an axis longer than the stage limit reshaped into [blocks, block] and reduced block first. Each stage reduces
     * equal-sized groups, so a sum of sums and a mean of means equal the single reduction. Returns the result with
     * every reduced axis kept as 1.
     */
    private static String stagedReduce(String opType, int axesInputSince, String input, int[] shape, int[] axes, OnnxGraphExporter o) {
        String current = input;
        int[] cur = shape.clone();
        for (int axis : normalizedAxes(shape.length, axes)) {
            int extent = cur[axis];
            int block = stageBlock(extent);
            if (block > 1 && block < extent) {
                int[] split = new int[cur.length + 1];
                System.arraycopy(cur, 0, split, 0, axis);
                split[axis] = extent / block;
                split[axis + 1] = block;
                System.arraycopy(cur, axis + 1, split, axis + 2, cur.length - axis - 1);
                current = o.emitTemp("Reshape", "blocks", List.of(current, o.int64s("blocks_shape", split)));
                current = reduceStage(opType, axesInputSince, current, axis + 1, false, o);
                cur[axis] = extent / block;
            }
            current = reduceStage(opType, axesInputSince, current, axis, true, o);
            cur[axis] = 1;
        }
        return current;
    }

    /**
     * The block length to split an extent into for staged reduction: the divisor of {@code extent} nearest its
     * square root from below, as long as it and the block count both fit a stage; the extent itself when it already
     * fits or has no such divisor (no padding: padding would change a mean).
     */
    private static int stageBlock(int extent) {
        if (extent <= MAX_REDUCTION_STAGE) return extent;
        for (int d = (int) Math.sqrt(extent); d > 1; d--) {
            if (extent % d == 0 && extent / d <= MAX_REDUCTION_STAGE) return d <= MAX_REDUCTION_STAGE ? d : extent;
        }
        return extent;
    }

    private static String reduceStage(String opType, int axesInputSince, String input, int axis, boolean keepDims, OnnxGraphExporter o) {
        AttributeProto keep = ofInt("keepdims", keepDims ? 1 : 0);
        String suffix = opType.equals("ReduceMean") ? "stage_mean" : "stage_sum";
        if (o.opset() >= axesInputSince) {
            return o.emitTemp(opType, suffix, List.of(input, o.int64s("stage_axes", axis)), keep);
        }
        return o.emitTemp(opType, suffix, List.of(input), ofInts("axes", axis), keep);
    }

    /** Conv/ConvTranspose: IR pads are [begin, end] per axis, ONNX's are all begins then all ends. */
    private static void convolution(String opType, Node n, OnnxGraphExporter o) {
        TensorType w = n.input(1).type();
        Convolution.Params p = Convolution.params(n);
        int[] kernel = Arrays.copyOfRange(w.shape(), 2, w.rank());
        List<String> inputs = new ArrayList<>(List.of(o.input(0), o.input(1)));
        if (n.input(2) != null) inputs.add(o.input(2));
        o.emit(opType, inputs,
                ofInts("dilations", p.dilations()),
                ofInt("group", p.groups()),
                ofInts("kernel_shape", kernel),
                ofInts("pads", onnxPads(p.pads())),
                ofInts("strides", p.strides()));
    }

    /** [b0, e0, b1, e1, ...] → [b0, b1, ..., e0, e1, ...]. */
    private static int[] onnxPads(int[] irPads) {
        int axes = irPads.length / 2;
        int[] p = new int[irPads.length];
        for (int i = 0; i < axes; i++) {
            p[i] = irPads[2 * i];
            p[axes + i] = irPads[2 * i + 1];
        }
        return p;
    }

    /** Gemm for 2-D inputs; otherwise MatMul with the transposed weight (folded by runtimes) plus Add. */
    private static void linear(Node n, OnnxGraphExporter o) {
        String x = o.input(0), w = o.input(1);
        boolean bias = n.input(2) != null;
        if (n.input(0).type().rank() == 2) {
            List<String> in = bias ? List.of(x, w, o.input(2)) : List.of(x, w);
            o.emit("Gemm", in, ofFloat("alpha", 1f), ofFloat("beta", 1f), ofInt("transB", 1));
            return;
        }
        String wt = o.emitTemp("Transpose", "weight_t", List.of(w), ofInts("perm", 1, 0));
        if (!bias) {
            o.emit("MatMul", List.of(x, wt));
            return;
        }
        String product = o.emitTemp("MatMul", "matmul", List.of(x, wt));
        o.emit("Add", List.of(product, o.input(2)));
    }

    private static void matmul(Node n, OnnxGraphExporter o) {
        String x = o.input(0), y = o.input(1);
        if (n.attributes().bool("transpose_x", false)) x = o.emitTemp("Transpose", "x_t", List.of(x), ofInts("perm", swapLastTwo(n.input(0).type().rank())));
        if (n.attributes().bool("transpose_y", false)) y = o.emitTemp("Transpose", "y_t", List.of(y), ofInts("perm", swapLastTwo(n.input(1).type().rank())));
        o.emit("MatMul", List.of(x, y));
    }

    private static int[] swapLastTwo(int rank) {
        int[] p = new int[rank];
        for (int i = 0; i < rank; i++) p[i] = i;
        p[rank - 2] = rank - 1;
        p[rank - 1] = rank - 2;
        return p;
    }

    private static void layerNorm(Node n, OnnxGraphExporter o) {
        TensorType x = n.input(0).type();
        int[] axes = n.attributes().ints("axes", new int[]{-1});
        int first = x.rank() - axes.length;
        int[] normShape = Arrays.copyOfRange(x.shape(), first, x.rank());
        String scale = n.input(1) != null ? o.input(1) : o.filled("ones", x.dtype(), 1f, normShape);
        List<String> in = n.input(2) != null ? List.of(o.input(0), scale, o.input(2)) : List.of(o.input(0), scale);
        o.emit("LayerNormalization", in, ofInt("axis", first), ofFloat("epsilon", (float) n.attributes().real("epsilon", 1e-5)));
    }

    /**
     * torch.nn.GroupNorm. Opset 21+: GroupNormalization with per-channel scale and bias. Opset 18..20:
     * GroupNormalization-18, whose scale and bias are per group, with identity ones/zeros, then the per-channel
     * affine. Opset 17 has no GroupNormalization: reshape to [N, G, rest], InstanceNormalization (per-(n, g)
     * statistics = group statistics), reshape back, then the per-channel affine.
     */
    private static void groupNorm(Node n, OnnxGraphExporter o) {
        TensorType x = n.input(0).type();
        int groups = n.attributes().integer("num_groups");
        float eps = (float) n.attributes().real("epsilon", 1e-5);
        int channels = x.dim(1);
        boolean gamma = n.input(1) != null, beta = n.input(2) != null;
        boolean affine = gamma || beta;
        if (x.numel() / ((long) x.dim(0) * groups) > MAX_REDUCTION_STAGE) {
            String normalized = stagedGroupNormalization(x, groups, eps, affine, o);
            if (affine) perChannelAffine(n, x, normalized, o);
            return;
        }
        if (o.opset() >= 21) {
            String scale = gamma ? o.input(1) : o.filled("ones", x.dtype(), 1f, channels);
            String bias = beta ? o.input(2) : o.filled("zeros", x.dtype(), 0f, channels);
            o.emit("GroupNormalization", List.of(o.input(0), scale, bias), ofFloat("epsilon", eps), ofInt("num_groups", groups));
            return;
        }
        String normalized;
        if (o.opset() >= 18) {
            List<String> in = List.of(o.input(0), o.filled("group_ones", x.dtype(), 1f, groups), o.filled("group_zeros", x.dtype(), 0f, groups));
            AttributeProto[] attrs = {ofFloat("epsilon", eps), ofInt("num_groups", groups)};
            normalized = affine ? o.emitTemp("GroupNormalization", "normalized", in, attrs) : o.emit("GroupNormalization", in, attrs);
        } else {
            String grouped = o.emitTemp("Reshape", "grouped", List.of(o.input(0), o.int64s("grouped_shape", x.dim(0), groups, -1)));
            String inorm = o.emitTemp("InstanceNormalization", "instance_norm",
                    List.of(grouped, o.filled("group_ones", x.dtype(), 1f, groups), o.filled("group_zeros", x.dtype(), 0f, groups)),
                    ofFloat("epsilon", eps));
            List<String> in = List.of(inorm, o.int64s("shape", x.shape()));
            normalized = affine ? o.emitTemp("Reshape", "normalized", in) : o.emit("Reshape", in);
        }
        if (affine) perChannelAffine(n, x, normalized, o);
    }

    /**
     * Group normalisation from primitives with staged statistics, for groups too large for one float32 reduction
     * (ONNX Runtime's InstanceNormalization and GroupNormalization sum each group in one float32 pass): view x as
     * [N, G, C/G, spatial...], mean by {@link #stagedReduce}, then the biased variance as the staged mean of the
     * squared deviations, as torch.nn.GroupNorm computes it.
     */
    private static String stagedGroupNormalization(TensorType x, int groups, float eps, boolean affine, OnnxGraphExporter o) {
        int[] groupedShape = new int[x.rank() + 1];
        groupedShape[0] = x.dim(0);
        groupedShape[1] = groups;
        groupedShape[2] = x.dim(1) / groups;
        System.arraycopy(x.shape(), 2, groupedShape, 3, x.rank() - 2);
        int[] statAxes = new int[groupedShape.length - 2];
        for (int i = 0; i < statAxes.length; i++) statAxes[i] = i + 2;
        String grouped = o.emitTemp("Reshape", "grouped", List.of(o.input(0), o.int64s("grouped_shape", groupedShape)));
        String mean = stagedReduce("ReduceMean", 18, grouped, groupedShape, statAxes, o);
        String deviation = o.emitTemp("Sub", "deviation", List.of(grouped, mean));
        String squared = o.emitTemp("Mul", "squared_deviation", List.of(deviation, deviation));
        String variance = stagedReduce("ReduceMean", 18, squared, groupedShape, statAxes, o);
        String shifted = o.emitTemp("Add", "variance_eps", List.of(variance, o.scalar("epsilon", x.dtype(), eps)));
        String std = o.emitTemp("Sqrt", "std", List.of(shifted));
        String normalizedGroups = o.emitTemp("Div", "normalized_grouped", List.of(deviation, std));
        List<String> in = List.of(normalizedGroups, o.int64s("shape", x.shape()));
        return affine ? o.emitTemp("Reshape", "normalized", in) : o.emit("Reshape", in);
    }

    /** y * gamma + beta with the [C] parameters viewed as [C, 1, ...] against x's [N, C, ...]. */
    private static void perChannelAffine(Node n, TensorType x, String normalized, OnnxGraphExporter o) {
        int channels = x.dim(1);
        boolean gamma = n.input(1) != null, beta = n.input(2) != null;
        int[] perChannel = new int[x.rank() - 1];
        Arrays.fill(perChannel, 1);
        perChannel[0] = channels;
        String channelShape = o.int64s("channel_shape", perChannel);
        String y = normalized;
        if (gamma) {
            String g = o.emitTemp("Reshape", "gamma", List.of(o.input(1), channelShape));
            y = beta ? o.emitTemp("Mul", "scaled", List.of(y, g)) : o.emit("Mul", List.of(y, g));
        }
        if (beta) {
            String b = o.emitTemp("Reshape", "beta", List.of(o.input(2), channelShape));
            o.emit("Add", List.of(y, b));
        }
    }

    private static void glu(Node n, OnnxGraphExporter o) {
        TensorType x = n.input(0).type();
        int axis = n.attributes().integer("axis", -1);
        int half = x.dim(axis) / 2;
        String a = o.fresh("a"), b = o.fresh("b");
        o.node("Split", n.name() + "/split", List.of(o.input(0), o.int64s("split", half, half)), List.of(a, b), ofInt("axis", axis));
        String gate = o.emitTemp("Sigmoid", "gate", List.of(b));
        o.emit("Mul", List.of(a, gate));
    }

    /** The inferred output shape (never -1; allowzero so a genuine 0 extent stays 0). */
    private static void reshape(Node n, OnnxGraphExporter o) {
        int[] shape = n.output().type().shape();
        boolean zero = Arrays.stream(shape).anyMatch(d -> d == 0);
        String s = o.int64s("shape", shape);
        if (zero) o.emit("Reshape", List.of(o.input(0), s), ofInt("allowzero", 1));
        else o.emit("Reshape", List.of(o.input(0), s));
    }

    private static void slice(Node n, OnnxGraphExporter o) {
        TensorType x = n.input(0).type();
        int[] begin = n.attributes().ints("begin"), end = n.attributes().ints("end");
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) if (begin[i] != 0 || end[i] != x.dim(i)) axes.add(i);
        if (axes.isEmpty()) {
            o.emit("Identity", List.of(o.input(0)));
            return;
        }
        long[] b = new long[axes.size()], e = new long[axes.size()], ax = new long[axes.size()];
        for (int i = 0; i < axes.size(); i++) {
            ax[i] = axes.get(i);
            b[i] = begin[axes.get(i)];
            e[i] = end[axes.get(i)];
        }
        o.emit("Slice", List.of(o.input(0), o.int64s("starts", b), o.int64s("ends", e), o.int64s("axes", ax)));
    }

    private static void concat(Node n, OnnxGraphExporter o) {
        List<String> in = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) in.add(o.input(i));
        o.emit("Concat", in, ofInt("axis", n.attributes().integer("axis")));
    }

    private static void split(Node n, OnnxGraphExporter o) {
        List<String> outs = new ArrayList<>();
        for (var v : n.outputs()) outs.add(o.name(v));
        o.node("Split", n.name(), List.of(o.input(0), o.int64s("split", n.attributes().ints("sizes"))), outs,
                ofInt("axis", n.attributes().integer("axis")));
    }

    private static void pad(Node n, OnnxGraphExporter o) {
        String mode = n.attributes().string("mode", "constant");
        double value = n.attributes().real("value", 0.0);
        List<String> in = new ArrayList<>(List.of(o.input(0), o.int64s("pads", onnxPads(n.attributes().ints("pads")))));
        if (mode.equals("constant") && value != 0.0) in.add(o.scalar("value", dtypeOf(n, 0), (float) value));
        o.emit("Pad", in, ofString("mode", mode));
    }
}

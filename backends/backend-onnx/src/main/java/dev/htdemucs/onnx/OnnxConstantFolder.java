package dev.htdemucs.onnx;

import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

import static dev.htdemucs.onnx.TensorElements.broadcastIndex;
import static dev.htdemucs.onnx.TensorElements.gather;
import static dev.htdemucs.onnx.TensorElements.longs;
import static dev.htdemucs.onnx.TensorElements.numel;
import static dev.htdemucs.onnx.TensorElements.ofLongs;
import static dev.htdemucs.onnx.TensorElements.ofReals;
import static dev.htdemucs.onnx.TensorElements.reals;
import static dev.htdemucs.onnx.TensorElements.strides;

/**
 * Evaluates ONNX ops whose inputs are all known at import time. Exporters like torch.onnx compute
 * shapes, masks and positional embeddings with small subgraphs (Shape, Gather, Unsqueeze, Concat,
 * ConstantOfShape, Expand, Where, Equal, Range, Cos, Sin, ...); since every shape is static, these
 * reduce to constants and never reach the IR. Semantics follow the ONNX operator docs, keyed by op type.
 */
final class OnnxConstantFolder {
    private OnnxConstantFolder() {}

    /** One node's known inputs (null where an optional input is absent) and attributes. */
    record Inputs(List<Tensor> tensors, int outputs, OnnxAttributes attributes, int opset, String where) {
        int count() { return tensors.size(); }

        Tensor get(int i) {
            Tensor t = i < tensors.size() ? tensors.get(i) : null;
            if (t == null) throw new OnnxConversionException(where + ": required input " + i + " is missing");
            return t;
        }

        Tensor optional(int i) { return i < tensors.size() ? tensors.get(i) : null; }

        /** Axes given as input {@code i} (newer opsets) or attribute {@code axes} (older ones); null when neither. */
        long[] axes(int i) {
            Tensor t = optional(i);
            return t != null ? longs(t) : attributes.int64s("axes");
        }

        OnnxConversionException error(String message) { return new OnnxConversionException(where + ": " + message); }
    }

    @FunctionalInterface
    private interface Folder {
        List<Tensor> fold(Inputs in);
    }

    private static final Map<String, Folder> BY_OP = new TreeMap<>();

    static {
        BY_OP.put("Constant", in -> List.of(constant(in)));
        BY_OP.put("Identity", in -> List.of(in.get(0)));
        BY_OP.put("Shape", in -> List.of(shapeOf(in.get(0).shape(), in)));
        BY_OP.put("Size", in -> List.of(ofLongs(DType.INT64, new int[0], new long[]{in.get(0).numel()})));
        BY_OP.put("Cast", in -> List.of(cast(in.get(0), OnnxDataTypes.fromOnnx(in.attributes().requiredInteger("to"), in.where()))));
        BY_OP.put("Reshape", in -> List.of(in.get(0).reshape(reshapeTarget(in.get(0).shape(), longs(in.get(1)),
                in.attributes().integer("allowzero", 0) != 0, in.where()))));
        BY_OP.put("Flatten", in -> List.of(in.get(0).reshape(flattenShape(in.get(0).shape(), in.attributes().integer("axis", 1), in.where()))));
        BY_OP.put("Squeeze", in -> List.of(in.get(0).reshape(squeezeShape(in.get(0).shape(), in.axes(1), in.where()))));
        BY_OP.put("Unsqueeze", in -> List.of(in.get(0).reshape(unsqueezeShape(in.get(0).shape(), in.axes(1), in.where()))));
        BY_OP.put("Transpose", in -> List.of(transpose(in.get(0), in.attributes().ints("perm"), in.where())));
        BY_OP.put("Concat", OnnxConstantFolder::concat);
        BY_OP.put("Gather", OnnxConstantFolder::gatherOp);
        BY_OP.put("Slice", in -> List.of(slice(in)));
        BY_OP.put("Expand", in -> {
            Tensor x = in.get(0);
            int[] shape = broadcastShapes(x.shape(), toInts(longs(in.get(1)), in.where()), in.where());
            return List.of(gather(x, shape, broadcastIndex(x.shape(), shape)));
        });
        BY_OP.put("Tile", in -> List.of(tile(in.get(0), longs(in.get(1)), in.where())));
        BY_OP.put("Split", OnnxConstantFolder::split);
        BY_OP.put("ConstantOfShape", OnnxConstantFolder::constantOfShape);
        BY_OP.put("Range", OnnxConstantFolder::range);
        BY_OP.put("Where", OnnxConstantFolder::where);
        BY_OP.put("ScatterND", in -> List.of(scatterNd(in)));

        BY_OP.put("Add", in -> binary(in, Double::sum, Long::sum));
        BY_OP.put("Sub", in -> binary(in, (a, b) -> a - b, (a, b) -> a - b));
        BY_OP.put("Mul", in -> binary(in, (a, b) -> a * b, (a, b) -> a * b));
        BY_OP.put("Div", in -> binary(in, (a, b) -> a / b, (a, b) -> {
            if (b == 0) throw in.error("integer division by zero");
            return a / b;
        }));
        BY_OP.put("Mod", in -> in.attributes().integer("fmod", 0) != 0
                ? binary(in, (a, b) -> a % b, (a, b) -> a % b)
                : binary(in, (a, b) -> a - Math.floor(a / b) * b, Math::floorMod));
        BY_OP.put("Pow", OnnxConstantFolder::pow);
        BY_OP.put("Min", in -> variadic(in, Math::min, Math::min));
        BY_OP.put("Max", in -> variadic(in, Math::max, Math::max));
        BY_OP.put("Equal", in -> compare(in, (a, b) -> a == b));
        BY_OP.put("Less", in -> compare(in, (a, b) -> a < b));
        BY_OP.put("LessOrEqual", in -> compare(in, (a, b) -> a <= b));
        BY_OP.put("Greater", in -> compare(in, (a, b) -> a > b));
        BY_OP.put("GreaterOrEqual", in -> compare(in, (a, b) -> a >= b));
        BY_OP.put("And", in -> logical(in, (a, b) -> a && b));
        BY_OP.put("Or", in -> logical(in, (a, b) -> a || b));
        BY_OP.put("Xor", in -> logical(in, (a, b) -> a ^ b));
        BY_OP.put("Not", in -> {
            long[] v = longs(in.get(0));
            for (int i = 0; i < v.length; i++) v[i] = v[i] == 0 ? 1 : 0;
            return List.of(ofLongs(DType.BOOL, in.get(0).shape(), v));
        });

        BY_OP.put("Neg", in -> unary(in, a -> -a));
        BY_OP.put("Abs", in -> unary(in, Math::abs));
        BY_OP.put("Sqrt", in -> unary(in, Math::sqrt));
        BY_OP.put("Exp", in -> unary(in, Math::exp));
        BY_OP.put("Log", in -> unary(in, Math::log));
        BY_OP.put("Cos", in -> unary(in, Math::cos));
        BY_OP.put("Sin", in -> unary(in, Math::sin));
        BY_OP.put("Floor", in -> unary(in, Math::floor));
        BY_OP.put("Ceil", in -> unary(in, Math::ceil));
        BY_OP.put("Reciprocal", in -> unary(in, a -> 1 / a));
        BY_OP.put("Sigmoid", in -> unary(in, a -> 1 / (1 + Math.exp(-a))));
        BY_OP.put("Relu", in -> unary(in, a -> Math.max(a, 0)));

        BY_OP.put("ReduceProd", in -> reduce(in, 18, 1, (a, b) -> a * b, false));
        BY_OP.put("ReduceSum", in -> reduce(in, 13, 0, Double::sum, false));
        BY_OP.put("ReduceMean", in -> reduce(in, 18, 0, Double::sum, true));
        BY_OP.put("ReduceMax", in -> reduce(in, 18, Double.NEGATIVE_INFINITY, Math::max, false));
        BY_OP.put("ReduceMin", in -> reduce(in, 18, Double.POSITIVE_INFINITY, Math::min, false));
    }

    static boolean canFold(String opType) { return BY_OP.containsKey(opType); }

    static Set<String> foldableOps() { return BY_OP.keySet(); }

    static List<Tensor> fold(String opType, Inputs in) {
        Folder f = BY_OP.get(opType);
        if (f == null) throw in.error("op " + opType + " cannot be evaluated at import time");
        try {
            return f.fold(in);
        } catch (OnnxConversionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new OnnxConversionException(in.where() + ": cannot evaluate the constant " + opType + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------ shapes (shared with the op importers)

    static Tensor shapeOf(int[] shape, Inputs in) {
        int rank = shape.length;
        int start = clampAxis(in.attributes().integer("start", 0), rank);
        int end = clampAxis(in.attributes().integer("end", rank), rank);
        long[] dims = new long[Math.max(0, end - start)];
        for (int i = 0; i < dims.length; i++) dims[i] = shape[start + i];
        return TensorElements.int64s(dims);
    }

    private static int clampAxis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        return Math.max(0, Math.min(rank, a));
    }

    static int normalizeAxis(long axis, int rank, String where) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new OnnxConversionException(where + ": axis " + axis + " is out of range for rank " + rank);
        return (int) a;
    }

    /** ONNX Reshape: 0 copies the input extent (unless allowzero), one -1 is inferred. */
    static int[] reshapeTarget(int[] in, long[] requested, boolean allowZero, String where) {
        int[] out = new int[requested.length];
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < requested.length; i++) {
            long r = requested[i];
            if (r == -1) {
                if (unknown >= 0) throw new OnnxConversionException(where + ": reshape target " + Arrays.toString(requested) + " has two -1");
                unknown = i;
                continue;
            }
            if (r == 0 && !allowZero) {
                if (i >= in.length) throw new OnnxConversionException(where + ": reshape target " + Arrays.toString(requested) + " copies axis " + i + " of " + Arrays.toString(in));
                r = in[i];
            }
            if (r < 0 || r > Integer.MAX_VALUE) throw new OnnxConversionException(where + ": bad reshape target " + Arrays.toString(requested));
            out[i] = (int) r;
            known *= r;
        }
        long total = numel(in);
        if (unknown >= 0) {
            if (known == 0 || total % known != 0) {
                throw new OnnxConversionException(where + ": cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(requested));
            }
            out[unknown] = (int) (total / known);
        } else if (known != total) {
            throw new OnnxConversionException(where + ": cannot reshape " + Arrays.toString(in) + " (" + total + " elements) to " + Arrays.toString(requested));
        }
        return out;
    }

    static int[] flattenShape(int[] in, int axis, String where) {
        int a = axis < 0 ? axis + in.length : axis;
        if (a < 0 || a > in.length) throw new OnnxConversionException(where + ": Flatten axis " + axis + " out of range for rank " + in.length);
        long outer = 1, inner = 1;
        for (int i = 0; i < in.length; i++) {
            if (i < a) outer *= in[i];
            else inner *= in[i];
        }
        return new int[]{Math.toIntExact(outer), Math.toIntExact(inner)};
    }

    static int[] squeezeShape(int[] in, long[] axes, String where) {
        boolean[] drop = new boolean[in.length];
        if (axes == null) {
            for (int i = 0; i < in.length; i++) drop[i] = in[i] == 1;
        } else {
            for (long ax : axes) {
                int a = normalizeAxis(ax, in.length, where);
                if (in[a] != 1) throw new OnnxConversionException(where + ": cannot squeeze axis " + ax + " of extent " + in[a] + " in " + Arrays.toString(in));
                drop[a] = true;
            }
        }
        int[] out = new int[in.length];
        int r = 0;
        for (int i = 0; i < in.length; i++) if (!drop[i]) out[r++] = in[i];
        return Arrays.copyOf(out, r);
    }

    static int[] unsqueezeShape(int[] in, long[] axes, String where) {
        if (axes == null) throw new OnnxConversionException(where + ": Unsqueeze without axes");
        int rank = in.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long ax : axes) {
            int a = normalizeAxis(ax, rank, where);
            if (inserted[a]) throw new OnnxConversionException(where + ": Unsqueeze axis " + ax + " repeated");
            inserted[a] = true;
        }
        int[] out = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) out[i] = inserted[i] ? 1 : in[j++];
        return out;
    }

    static int[] broadcastShapes(int[] a, int[] b, String where) {
        try {
            return dev.htdemucs.ir.ops.OpDef.broadcast(a, b);
        } catch (IllegalArgumentException e) {
            throw new OnnxConversionException(where + ": " + e.getMessage());
        }
    }

    static int[] toInts(long[] v, String where) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < Integer.MIN_VALUE || v[i] > Integer.MAX_VALUE) throw new OnnxConversionException(where + ": value " + v[i] + " does not fit in 32 bits");
            out[i] = (int) v[i];
        }
        return out;
    }

    /** The element range [start, end) with step of one axis after ONNX Slice's clamping rules. */
    record SliceRange(int start, int step, int count) {}

    static SliceRange sliceRange(long start, long end, long step, int dim, String where) {
        if (step == 0) throw new OnnxConversionException(where + ": Slice step 0");
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        if (step > 0) {
            start = Math.max(0, Math.min(dim, start));
            end = Math.max(0, Math.min(dim, end));
        } else {
            start = Math.max(-1, Math.min(dim - 1, start));
            end = Math.max(-1, Math.min(dim - 1, end));
        }
        long count = step > 0 ? (end - start + step - 1) / step : (start - end + (-step) - 1) / (-step);
        return new SliceRange((int) start, (int) step, (int) Math.max(0, count));
    }

    /** Per-axis slice ranges of an ONNX Slice node (inputs starts, ends, axes, steps). */
    static SliceRange[] sliceRanges(int[] shape, long[] starts, long[] ends, long[] axes, long[] steps, String where) {
        SliceRange[] r = new SliceRange[shape.length];
        for (int i = 0; i < shape.length; i++) r[i] = new SliceRange(0, 1, shape[i]);
        if (starts.length != ends.length) throw new OnnxConversionException(where + ": Slice starts and ends differ in length");
        for (int i = 0; i < starts.length; i++) {
            int axis = axes == null ? i : normalizeAxis(axes[i], shape.length, where);
            long step = steps == null ? 1 : steps[i];
            r[axis] = sliceRange(starts[i], ends[i], step, shape[axis], where);
        }
        return r;
    }

    // ------------------------------------------------------------------------------ folders

    private static Tensor constant(Inputs in) {
        OnnxAttributes a = in.attributes();
        TensorProto t = a.tensor("value");
        if (t != null) return OnnxTensors.fromProto(t, in.where() + " value", null);
        if (a.has("value_float")) return ofReals(DType.FLOAT32, new int[0], new double[]{a.real("value_float", 0)});
        if (a.has("value_int")) return ofLongs(DType.INT64, new int[0], new long[]{a.int64("value_int", 0)});
        float[] fs = a.reals("value_floats");
        if (fs != null) {
            double[] d = new double[fs.length];
            for (int i = 0; i < fs.length; i++) d[i] = fs[i];
            return ofReals(DType.FLOAT32, new int[]{fs.length}, d);
        }
        long[] is = a.int64s("value_ints");
        if (is != null) return TensorElements.int64s(is);
        throw in.error("Constant has no supported value attribute (value, value_float(s), value_int(s)); sparse and string constants are not supported");
    }

    static Tensor cast(Tensor x, DType to) {
        if (x.dtype() == to) return x;
        if (to.isFloatingPoint()) return ofReals(to, x.shape(), reals(x));
        if (to == DType.BOOL) {
            double[] d = reals(x);
            long[] l = new long[d.length];
            for (int i = 0; i < d.length; i++) l[i] = d[i] != 0 ? 1 : 0;
            return ofLongs(to, x.shape(), l);
        }
        return ofLongs(to, x.shape(), longs(x));
    }

    static Tensor transpose(Tensor x, int[] perm, String where) {
        int rank = x.shape().length;
        int[] p = perm;
        if (p == null) {
            p = new int[rank];
            for (int i = 0; i < rank; i++) p[i] = rank - 1 - i;
        }
        if (p.length != rank) throw new OnnxConversionException(where + ": perm " + Arrays.toString(p) + " does not match rank " + rank);
        int[] in = x.shape(), inStrides = strides(in);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) out[i] = in[p[i]];
        int n = numel(out);
        int[] src = new int[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int s = 0;
            for (int a = 0; a < rank; a++) s += idx[a] * inStrides[p[a]];
            src[i] = s;
            for (int a = rank - 1; a >= 0; a--) {
                if (++idx[a] < out[a]) break;
                idx[a] = 0;
            }
        }
        return gather(x, out, src);
    }

    private static List<Tensor> concat(Inputs in) {
        List<Tensor> parts = new ArrayList<>();
        for (Tensor t : in.tensors()) if (t != null) parts.add(t);
        if (parts.isEmpty()) throw in.error("Concat has no inputs");
        Tensor first = parts.get(0);
        int rank = first.shape().length;
        int axis = normalizeAxis(in.attributes().requiredInteger("axis"), rank, in.where());
        return List.of(concat(parts, axis, in.where()));
    }

    static Tensor concat(List<Tensor> parts, int axis, String where) {
        Tensor first = parts.get(0);
        int[] out = first.shape();
        out[axis] = 0;
        for (Tensor t : parts) {
            if (t.dtype() != first.dtype() || t.shape().length != out.length) {
                throw new OnnxConversionException(where + ": Concat inputs " + first.type() + " and " + t.type() + " differ");
            }
            out[axis] += t.shape()[axis];
        }
        int outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= out[a];
        for (int a = axis + 1; a < out.length; a++) inner *= out[a];
        int size = first.dtype().byteSize();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(numel(out) * size).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int o = 0; o < outer; o++) {
            for (Tensor t : parts) {
                int chunk = t.shape()[axis] * inner * size;
                java.nio.ByteBuffer src = t.data();
                byte[] b = new byte[chunk];
                src.get(o * chunk, b);
                buf.put(b);
            }
        }
        buf.flip();
        return Tensor.wrap(TensorType.of(first.dtype(), out), buf);
    }

    private static List<Tensor> gatherOp(Inputs in) {
        Tensor data = in.get(0), indices = in.get(1);
        int[] ds = data.shape();
        int axis = normalizeAxis(in.attributes().integer("axis", 0), ds.length, in.where());
        long[] idx = longs(indices);
        int[] is = indices.shape();
        int[] out = new int[ds.length - 1 + is.length];
        int r = 0;
        for (int a = 0; a < axis; a++) out[r++] = ds[a];
        for (int d : is) out[r++] = d;
        for (int a = axis + 1; a < ds.length; a++) out[r++] = ds[a];
        int outer = 1, inner = 1;
        for (int a = 0; a < axis; a++) outer *= ds[a];
        for (int a = axis + 1; a < ds.length; a++) inner *= ds[a];
        int[] src = new int[numel(out)];
        int k = 0;
        for (int o = 0; o < outer; o++) {
            for (long raw : idx) {
                long j = raw < 0 ? raw + ds[axis] : raw;
                if (j < 0 || j >= ds[axis]) throw in.error("Gather index " + raw + " is out of range for axis " + axis + " of extent " + ds[axis]);
                for (int i = 0; i < inner; i++) src[k++] = (o * ds[axis] + (int) j) * inner + i;
            }
        }
        return List.of(gather(data, out, src));
    }

    private static Tensor slice(Inputs in) {
        Tensor x = in.get(0);
        int[] shape = x.shape();
        long[] starts, ends, axes, steps;
        if (in.opset() < 10) {
            starts = in.attributes().int64s("starts");
            ends = in.attributes().int64s("ends");
            axes = in.attributes().int64s("axes");
            steps = null;
        } else {
            starts = longs(in.get(1));
            ends = longs(in.get(2));
            axes = in.optional(3) == null ? null : longs(in.get(3));
            steps = in.optional(4) == null ? null : longs(in.get(4));
        }
        SliceRange[] r = sliceRanges(shape, starts, ends, axes, steps, in.where());
        return slice(x, r);
    }

    static Tensor slice(Tensor x, SliceRange[] r) {
        int[] shape = x.shape(), st = strides(shape);
        int rank = shape.length;
        int[] out = new int[rank];
        for (int a = 0; a < rank; a++) out[a] = r[a].count();
        int n = numel(out);
        int[] src = new int[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int s = 0;
            for (int a = 0; a < rank; a++) s += (r[a].start() + idx[a] * r[a].step()) * st[a];
            src[i] = s;
            for (int a = rank - 1; a >= 0; a--) {
                if (++idx[a] < out[a]) break;
                idx[a] = 0;
            }
        }
        return gather(x, out, src);
    }

    private static Tensor tile(Tensor x, long[] repeats, String where) {
        int[] in = x.shape();
        if (repeats.length != in.length) throw new OnnxConversionException(where + ": Tile repeats " + Arrays.toString(repeats) + " do not match rank " + in.length);
        int rank = in.length;
        int[] out = new int[rank], st = strides(in);
        for (int a = 0; a < rank; a++) {
            if (repeats[a] < 0) throw new OnnxConversionException(where + ": Tile repeats " + Arrays.toString(repeats) + " are negative");
            out[a] = Math.toIntExact(Math.multiplyExact(in[a], repeats[a]));
        }
        int n = numel(out);
        int[] src = new int[n];
        int[] idx = new int[rank];
        for (int i = 0; i < n; i++) {
            int s = 0;
            for (int a = 0; a < rank; a++) s += (idx[a] % in[a]) * st[a];
            src[i] = s;
            for (int a = rank - 1; a >= 0; a--) {
                if (++idx[a] < out[a]) break;
                idx[a] = 0;
            }
        }
        return gather(x, out, src);
    }

    /** Split sizes: input {@code split} (opset 13+), attribute {@code split} (older), else equal parts. */
    static int[] splitSizes(int extent, long[] split, int outputs, String where) {
        if (split != null) {
            int[] s = toInts(split, where);
            if (Arrays.stream(s).sum() != extent) throw new OnnxConversionException(where + ": split sizes " + Arrays.toString(s) + " do not sum to " + extent);
            return s;
        }
        int[] s = new int[outputs];
        int chunk = (extent + outputs - 1) / outputs;
        int left = extent;
        for (int i = 0; i < outputs; i++) {
            s[i] = Math.min(chunk, left);
            left -= s[i];
        }
        return s;
    }

    private static List<Tensor> split(Inputs in) {
        Tensor x = in.get(0);
        int[] shape = x.shape();
        int axis = normalizeAxis(in.attributes().integer("axis", 0), shape.length, in.where());
        long[] split = in.opset() >= 13 ? (in.optional(1) == null ? null : longs(in.get(1))) : in.attributes().int64s("split");
        int[] sizes = splitSizes(shape[axis], split, in.outputs(), in.where());
        List<Tensor> out = new ArrayList<>();
        int offset = 0;
        for (int s : sizes) {
            SliceRange[] r = new SliceRange[shape.length];
            for (int a = 0; a < shape.length; a++) r[a] = a == axis ? new SliceRange(offset, 1, s) : new SliceRange(0, 1, shape[a]);
            out.add(slice(x, r));
            offset += s;
        }
        return out;
    }

    private static List<Tensor> constantOfShape(Inputs in) {
        int[] shape = toInts(longs(in.get(0)), in.where());
        TensorProto v = in.attributes().tensor("value");
        Tensor fill = v == null ? ofReals(DType.FLOAT32, new int[]{1}, new double[]{0}) : OnnxTensors.fromProto(v, in.where() + " value", null);
        if (fill.numel() != 1) throw in.error("ConstantOfShape value must have one element, found " + fill.type());
        return List.of(gather(fill, shape, new int[numel(shape)]));
    }

    private static List<Tensor> range(Inputs in) {
        Tensor start = in.get(0), limit = in.get(1), delta = in.get(2);
        if (start.numel() != 1 || limit.numel() != 1 || delta.numel() != 1) {
            throw in.error("Range start, limit and delta must be scalars, found " + start.type() + ", " + limit.type()
                    + ", " + delta.type());
        }
        DType t = start.dtype();
        if (t.isFloatingPoint()) {
            double s = reals(start)[0], l = reals(limit)[0], d = reals(delta)[0];
            double count = Math.max(0, Math.ceil((l - s) / d));
            TensorElements.requireEvaluable(Double.isNaN(count) ? Long.MAX_VALUE : (long) count);
            int n = (int) count;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) v[i] = s + i * d;
            return List.of(ofReals(t, new int[]{n}, v));
        }
        long s = longs(start)[0], l = longs(limit)[0], d = longs(delta)[0];
        if (d == 0) throw in.error("Range delta is 0");
        // in double: limit - start can overflow a long
        double count = Math.max(0, Math.ceil(((double) l - (double) s) / d));
        TensorElements.requireEvaluable((long) count);
        int n = (int) count;
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = s + i * d;
        return List.of(ofLongs(t, new int[]{n}, v));
    }

    private static List<Tensor> where(Inputs in) {
        Tensor c = in.get(0), x = in.get(1), y = in.get(2);
        int[] shape = broadcastShapes(broadcastShapes(c.shape(), x.shape(), in.where()), y.shape(), in.where());
        int[] ci = broadcastIndex(c.shape(), shape), xi = broadcastIndex(x.shape(), shape), yi = broadcastIndex(y.shape(), shape);
        long[] cond = longs(c);
        int n = numel(shape);
        // Pick element sources, then copy bytes: dtype-agnostic.
        Tensor both = concat(List.of(x.reshape(x.numel() == 0 ? new int[]{0} : new int[]{(int) x.numel()}),
                y.reshape(new int[]{(int) y.numel()})), 0, in.where());
        int[] src = new int[n];
        for (int i = 0; i < n; i++) src[i] = cond[ci[i]] != 0 ? xi[i] : (int) x.numel() + yi[i];
        return List.of(gather(both, shape, src));
    }

    private static Tensor scatterNd(Inputs in) {
        Tensor data = in.get(0), indices = in.get(1), updates = in.get(2);
        if (!in.attributes().string("reduction", "none").equals("none")) throw in.error("ScatterND reduction is not supported");
        int[] ds = data.shape(), is = indices.shape(), dst = strides(ds);
        int k = is[is.length - 1];
        int tuples = numel(Arrays.copyOf(is, is.length - 1));
        int slice = 1;
        for (int a = k; a < ds.length; a++) slice *= ds[a];
        long[] idx = longs(indices);
        int n = numel(ds);
        int[] src = new int[n];
        for (int i = 0; i < n; i++) src[i] = i;
        for (int t = 0; t < tuples; t++) {
            int base = 0;
            for (int j = 0; j < k; j++) {
                long v = idx[t * k + j];
                if (v < 0) v += ds[j];
                if (v < 0 || v >= ds[j]) throw in.error("ScatterND index " + idx[t * k + j] + " out of range for axis " + j);
                base += (int) v * dst[j];
            }
            for (int e = 0; e < slice; e++) src[base + e] = n + t * slice + e;
        }
        Tensor both = concat(List.of(data.reshape(n), updates.reshape((int) updates.numel())), 0, in.where());
        return gather(both, ds, src);
    }

    private static List<Tensor> binary(Inputs in, DoubleBinaryOperator real, LongBinaryOperator integer) {
        Tensor a = in.get(0), b = in.get(1);
        if (a.dtype() != b.dtype()) throw in.error("operand types differ: " + a.type() + " and " + b.type());
        int[] shape = broadcastShapes(a.shape(), b.shape(), in.where());
        int[] ai = broadcastIndex(a.shape(), shape), bi = broadcastIndex(b.shape(), shape);
        int n = numel(shape);
        if (a.dtype().isFloatingPoint()) {
            double[] x = reals(a), y = reals(b), r = new double[n];
            for (int i = 0; i < n; i++) r[i] = real.applyAsDouble(x[ai[i]], y[bi[i]]);
            return List.of(ofReals(a.dtype(), shape, r));
        }
        long[] x = longs(a), y = longs(b), r = new long[n];
        for (int i = 0; i < n; i++) r[i] = integer.applyAsLong(x[ai[i]], y[bi[i]]);
        return List.of(ofLongs(a.dtype(), shape, r));
    }

    private static List<Tensor> variadic(Inputs in, DoubleBinaryOperator real, LongBinaryOperator integer) {
        Tensor acc = in.get(0);
        for (int i = 1; i < in.count(); i++) {
            acc = binary(new Inputs(List.of(acc, in.get(i)), 1, in.attributes(), in.opset(), in.where()), real, integer).get(0);
        }
        return List.of(acc);
    }

    private static List<Tensor> pow(Inputs in) {
        Tensor a = in.get(0), b = in.get(1);
        int[] shape = broadcastShapes(a.shape(), b.shape(), in.where());
        int[] ai = broadcastIndex(a.shape(), shape), bi = broadcastIndex(b.shape(), shape);
        double[] x = reals(a), y = reals(b), r = new double[numel(shape)];
        for (int i = 0; i < r.length; i++) r[i] = Math.pow(x[ai[i]], y[bi[i]]);
        return List.of(ofReals(a.dtype(), shape, r));
    }

    @FunctionalInterface
    private interface Comparison { boolean test(double a, double b); }

    private static List<Tensor> compare(Inputs in, Comparison c) {
        Tensor a = in.get(0), b = in.get(1);
        int[] shape = broadcastShapes(a.shape(), b.shape(), in.where());
        int[] ai = broadcastIndex(a.shape(), shape), bi = broadcastIndex(b.shape(), shape);
        long[] r = new long[numel(shape)];
        if (a.dtype().isFloatingPoint() || b.dtype().isFloatingPoint()) {
            double[] x = reals(a), y = reals(b);
            for (int i = 0; i < r.length; i++) r[i] = c.test(x[ai[i]], y[bi[i]]) ? 1 : 0;
        } else {
            long[] x = longs(a), y = longs(b);
            for (int i = 0; i < r.length; i++) r[i] = c.test(x[ai[i]], y[bi[i]]) ? 1 : 0;
        }
        return List.of(ofLongs(DType.BOOL, shape, r));
    }

    @FunctionalInterface
    private interface Logic { boolean apply(boolean a, boolean b); }

    private static List<Tensor> logical(Inputs in, Logic op) {
        Tensor a = in.get(0), b = in.get(1);
        int[] shape = broadcastShapes(a.shape(), b.shape(), in.where());
        int[] ai = broadcastIndex(a.shape(), shape), bi = broadcastIndex(b.shape(), shape);
        long[] x = longs(a), y = longs(b), r = new long[numel(shape)];
        for (int i = 0; i < r.length; i++) r[i] = op.apply(x[ai[i]] != 0, y[bi[i]] != 0) ? 1 : 0;
        return List.of(ofLongs(DType.BOOL, shape, r));
    }

    private static List<Tensor> unary(Inputs in, DoubleUnaryOperator f) {
        Tensor x = in.get(0);
        double[] v = reals(x);
        for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(v[i]);
        return List.of(ofReals(x.dtype(), x.shape(), v));
    }

    /** Reductions; axes are an input from {@code axesInputSince}, an attribute before. keepdims defaults to 1. */
    private static List<Tensor> reduce(Inputs in, int axesInputSince, double init, DoubleBinaryOperator op, boolean mean) {
        Tensor x = in.get(0);
        int[] shape = x.shape();
        long[] axes = in.opset() >= axesInputSince ? (in.optional(1) == null ? null : longs(in.get(1))) : in.attributes().int64s("axes");
        boolean keep = in.attributes().integer("keepdims", 1) != 0;
        boolean[] reduced = new boolean[shape.length];
        if (axes == null || axes.length == 0) {
            if (in.attributes().integer("noop_with_empty_axes", 0) != 0) return List.of(x);
            Arrays.fill(reduced, true);
        } else {
            for (long a : axes) reduced[normalizeAxis(a, shape.length, in.where())] = true;
        }
        int[] kept = new int[shape.length];
        for (int a = 0; a < shape.length; a++) kept[a] = reduced[a] ? 1 : shape[a];
        int[] keptStrides = strides(kept);
        int outN = numel(kept);
        double[] acc = new double[outN];
        Arrays.fill(acc, init);
        double[] v = reals(x);
        int[] idx = new int[shape.length];
        for (int i = 0; i < v.length; i++) {
            int o = 0;
            for (int a = 0; a < shape.length; a++) if (!reduced[a]) o += idx[a] * keptStrides[a];
            acc[o] = op.applyAsDouble(acc[o], v[i]);
            for (int a = shape.length - 1; a >= 0; a--) {
                if (++idx[a] < shape[a]) break;
                idx[a] = 0;
            }
        }
        if (mean && outN > 0) {
            double count = (double) v.length / outN;
            for (int i = 0; i < outN; i++) acc[i] /= count;
        }
        int[] outShape = keep ? kept : squeezeShape(kept, reducedAxes(reduced), in.where());
        return List.of(ofReals(x.dtype(), outShape, acc));
    }

    private static long[] reducedAxes(boolean[] reduced) {
        long[] a = new long[reduced.length];
        int n = 0;
        for (int i = 0; i < reduced.length; i++) if (reduced[i]) a[n++] = i;
        return Arrays.copyOf(a, n);
    }
}

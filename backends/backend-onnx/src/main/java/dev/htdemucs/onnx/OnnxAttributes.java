package dev.htdemucs.onnx;

import com.google.protobuf.ByteString;
import dev.htdemucs.onnx.proto.OnnxProto.AttributeProto;
import dev.htdemucs.onnx.proto.OnnxProto.AttributeProto.AttributeType;
import dev.htdemucs.onnx.proto.OnnxProto.NodeProto;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto;

import java.util.HashMap;
import java.util.Map;

/**
 * Reading a node's attributes with defaults and messages naming the node, and making attributes when
 * writing. ONNX int attributes are int64; the IR's are int, so reads check the range.
 */
final class OnnxAttributes {
    private final String where;
    private final Map<String, AttributeProto> byName = new HashMap<>();

    private OnnxAttributes(NodeProto node, String where) {
        this.where = where;
        for (AttributeProto a : node.getAttributeList()) byName.put(a.getName(), a);
    }

    static OnnxAttributes of(NodeProto node, String where) { return new OnnxAttributes(node, where); }

    boolean has(String name) { return byName.containsKey(name); }

    private AttributeProto get(String name, AttributeType expected) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        if (a.hasRefAttrName() && !a.getRefAttrName().isEmpty()) {
            throw new OnnxConversionException(where + ": attribute '" + name + "' refers to a function attribute, which is not supported");
        }
        if (a.hasType() && a.getType() != expected) {
            throw new OnnxConversionException(where + ": attribute '" + name + "' should be " + expected + " but is " + a.getType());
        }
        return a;
    }

    int integer(String name, int dflt) {
        AttributeProto a = get(name, AttributeType.INT);
        return a == null ? dflt : toInt(a.getI(), name);
    }

    long int64(String name, long dflt) {
        AttributeProto a = get(name, AttributeType.INT);
        return a == null ? dflt : a.getI();
    }

    int requiredInteger(String name) {
        AttributeProto a = get(name, AttributeType.INT);
        if (a == null) throw new OnnxConversionException(where + ": required attribute '" + name + "' is missing");
        return toInt(a.getI(), name);
    }

    /** The ints attribute, or null when absent. */
    int[] ints(String name) {
        AttributeProto a = get(name, AttributeType.INTS);
        if (a == null) return null;
        int[] out = new int[a.getIntsCount()];
        for (int i = 0; i < out.length; i++) out[i] = toInt(a.getInts(i), name);
        return out;
    }

    long[] int64s(String name) {
        AttributeProto a = get(name, AttributeType.INTS);
        if (a == null) return null;
        long[] out = new long[a.getIntsCount()];
        for (int i = 0; i < out.length; i++) out[i] = a.getInts(i);
        return out;
    }

    float real(String name, float dflt) {
        AttributeProto a = get(name, AttributeType.FLOAT);
        return a == null ? dflt : a.getF();
    }

    float[] reals(String name) {
        AttributeProto a = get(name, AttributeType.FLOATS);
        if (a == null) return null;
        float[] out = new float[a.getFloatsCount()];
        for (int i = 0; i < out.length; i++) out[i] = a.getFloats(i);
        return out;
    }

    String string(String name, String dflt) {
        AttributeProto a = get(name, AttributeType.STRING);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    TensorProto tensor(String name) {
        AttributeProto a = get(name, AttributeType.TENSOR);
        return a == null ? null : a.getT();
    }

    private int toInt(long v, String name) {
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new OnnxConversionException(where + ": attribute '" + name + "' value " + v + " does not fit in 32 bits");
        }
        return (int) v;
    }

    // ---- writing

    static AttributeProto ofInt(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.INT).setI(v).build();
    }

    static AttributeProto ofInts(String name, int... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeType.INTS);
        for (int x : v) b.addInts(x);
        return b.build();
    }

    static AttributeProto ofFloat(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto ofString(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeType.STRING).setS(ByteString.copyFromUtf8(v)).build();
    }
}

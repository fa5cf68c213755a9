package dev.htdemucs.coreml.mil;

import com.google.protobuf.ByteString;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.Tensor;
import dev.htdemucs.ir.TensorType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Immediate MIL values (stored inside model.mlmodel), encoded the way coremltools encodes them: fp32 in
 * {@code floats}, int32/int16 in {@code ints}, bool in {@code bools}, string in {@code strings}, int64 in
 * {@code longInts}, and fp16 / 8-bit types as little-endian raw {@code bytes}.
 */
public final class MilValues {
    private MilValues() {}

    public static Mil.Value ints(int... values) {
        return tensor(Tensor.ofInts(new int[]{values.length}, values));
    }

    public static Mil.Value intScalar(int value) {
        return tensor(Tensor.ofInts(new int[0], value));
    }

    public static Mil.Value bools(boolean... values) {
        Mil.TensorValue.RepeatedBools.Builder b = Mil.TensorValue.RepeatedBools.newBuilder();
        for (boolean v : values) b.addValues(v);
        return immediate(MilTypes.valueType(TensorType.of(DType.BOOL, values.length)), Mil.TensorValue.newBuilder().setBools(b).build());
    }

    public static Mil.Value boolScalar(boolean value) {
        return immediate(MilTypes.scalarType(Mil.DataType.BOOL),
                Mil.TensorValue.newBuilder().setBools(Mil.TensorValue.RepeatedBools.newBuilder().addValues(value)).build());
    }

    public static Mil.Value string(String value) {
        return immediate(MilTypes.scalarType(Mil.DataType.STRING),
                Mil.TensorValue.newBuilder().setStrings(Mil.TensorValue.RepeatedStrings.newBuilder().addValues(value)).build());
    }

    /** A floating-point scalar in {@code dtype} (fp16 values are rounded to nearest even). */
    public static Mil.Value floatScalar(double value, DType dtype) {
        Tensor t = Tensor.scalar((float) value);
        return tensor(dtype == DType.FLOAT32 ? t : t.to(dtype));
    }

    /** Any tensor of a supported dtype as an immediate value of its own type. */
    public static Mil.Value tensor(Tensor t) {
        int n = Math.toIntExact(t.numel());
        ByteBuffer b = t.data();
        Mil.TensorValue.Builder v = Mil.TensorValue.newBuilder();
        switch (t.dtype()) {
            case FLOAT32 -> {
                Mil.TensorValue.RepeatedFloats.Builder f = Mil.TensorValue.RepeatedFloats.newBuilder();
                for (int i = 0; i < n; i++) f.addValues(b.getFloat(4 * i));
                v.setFloats(f);
            }
            case INT32, INT16 -> {
                Mil.TensorValue.RepeatedInts.Builder f = Mil.TensorValue.RepeatedInts.newBuilder();
                long[] longs = t.toLongArray();
                for (long l : longs) f.addValues((int) l);
                v.setInts(f);
            }
            case INT64 -> {
                Mil.TensorValue.RepeatedLongInts.Builder f = Mil.TensorValue.RepeatedLongInts.newBuilder();
                for (long l : t.toLongArray()) f.addValues(l);
                v.setLongInts(f);
            }
            case BOOL -> {
                Mil.TensorValue.RepeatedBools.Builder f = Mil.TensorValue.RepeatedBools.newBuilder();
                for (int i = 0; i < n; i++) f.addValues(b.get(i) != 0);
                v.setBools(f);
            }
            case FLOAT64 -> {
                Mil.TensorValue.RepeatedDoubles.Builder f = Mil.TensorValue.RepeatedDoubles.newBuilder();
                for (int i = 0; i < n; i++) f.addValues(b.getDouble(8 * i));
                v.setDoubles(f);
            }
            case FLOAT16, INT8, UINT8 -> v.setBytes(Mil.TensorValue.RepeatedBytes.newBuilder().setValues(ByteString.copyFrom(b)));
            default -> throw new IllegalArgumentException("cannot store a " + t.dtype() + " tensor as an immediate MIL value");
        }
        return immediate(MilTypes.valueType(t.type()), v.build());
    }

    private static Mil.Value immediate(Mil.ValueType type, Mil.TensorValue value) {
        return Mil.Value.newBuilder().setType(type)
                .setImmediateValue(Mil.Value.ImmediateValue.newBuilder().setTensor(value)).build();
    }

    // ---- decoding ----

    /**
     * Decodes an immediate tensor value of {@code type}; {@code where} names the value (and its file) for
     * errors. The declared type comes from the file, so the values actually stored are counted against it
     * before anything of the declared size is allocated.
     */
    public static Tensor decodeTensor(Mil.TensorValue v, TensorType type, String where) {
        long declared = type.numel();
        switch (v.getValueCase()) {
            case FLOATS -> {
                requireDType(type, where, DType.FLOAT32);
                requireCount(v.getFloats().getValuesCount(), declared, where);
            }
            case INTS -> {
                requireDType(type, where, DType.INT32, DType.INT16);
                requireCount(v.getInts().getValuesCount(), declared, where);
            }
            case LONGINTS -> {
                requireDType(type, where, DType.INT64);
                requireCount(v.getLongInts().getValuesCount(), declared, where);
            }
            case BOOLS -> {
                requireDType(type, where, DType.BOOL);
                requireCount(v.getBools().getValuesCount(), declared, where);
            }
            case DOUBLES -> {
                requireDType(type, where, DType.FLOAT64);
                requireCount(v.getDoubles().getValuesCount(), declared, where);
            }
            case BYTES -> {
                int stored = v.getBytes().getValues().size();
                if (stored != type.byteSize()) {
                    throw new IllegalArgumentException(where + ": " + stored + " bytes for " + type + ", expected " + type.byteSize());
                }
            }
            default -> throw new IllegalArgumentException(where + ": immediate value holds " + v.getValueCase() + ", not a numeric tensor");
        }
        // the count matches values the file really holds (at most 8 bytes each), yet their byte size may pass 2 GiB
        if (type.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + ": immediate " + type + " of " + type.byteSize()
                    + " bytes; immediate values over 2 GiB are not supported");
        }
        int n = (int) declared;
        ByteBuffer out = ByteBuffer.allocate((int) type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (v.getValueCase()) {
            case FLOATS -> {
                for (int i = 0; i < n; i++) out.putFloat(v.getFloats().getValues(i));
            }
            case INTS -> {
                for (int i = 0; i < n; i++) {
                    if (type.dtype() == DType.INT32) out.putInt(v.getInts().getValues(i));
                    else out.putShort((short) v.getInts().getValues(i));
                }
            }
            case LONGINTS -> {
                for (int i = 0; i < n; i++) out.putLong(v.getLongInts().getValues(i));
            }
            case BOOLS -> {
                for (int i = 0; i < n; i++) out.put((byte) (v.getBools().getValues(i) ? 1 : 0));
            }
            case DOUBLES -> {
                for (int i = 0; i < n; i++) out.putDouble(v.getDoubles().getValues(i));
            }
            default -> v.getBytes().getValues().copyTo(out);
        }
        out.flip();
        return Tensor.wrap(type, out);
    }

    private static void requireCount(int stored, long declared, String where) {
        if (stored != declared) throw new IllegalArgumentException(where + ": " + stored + " values, the declared type has " + declared);
    }

    private static void requireDType(TensorType type, String where, DType... allowed) {
        for (DType d : allowed) if (type.dtype() == d) return;
        throw new IllegalArgumentException(where + ": stored elements do not fit the declared type " + type);
    }

    public static String decodeString(Mil.Value v, String where) {
        if (!v.hasImmediateValue() || !v.getImmediateValue().hasTensor() || !v.getImmediateValue().getTensor().hasStrings()
                || v.getImmediateValue().getTensor().getStrings().getValuesCount() != 1) {
            throw new IllegalArgumentException(where + ": expected one immediate string");
        }
        return v.getImmediateValue().getTensor().getStrings().getValues(0);
    }

    /** Float scalar from an immediate fp16/fp32 value. */
    public static double decodeFloatScalar(Mil.Value v, String where) {
        TensorType t = MilTypes.irType(v.getType(), where);
        if (t.numel() != 1 || !t.dtype().isFloatingPoint()) throw new IllegalArgumentException(where + ": expected a float scalar, found " + t);
        return decodeTensor(v.getImmediateValue().getTensor(), t, where).toFloatArray()[0];
    }

}

package dev.htdemucs.coreml.mil;

import dev.htdemucs.coreml.proto.FeatureTypes.ArrayFeatureType;
import dev.htdemucs.coreml.proto.Mil;
import dev.htdemucs.ir.DType;
import dev.htdemucs.ir.TensorType;

/** Conversions between IR types and MIL proto types (tensor types, data types, cast dtype names). */
public final class MilTypes {
    private MilTypes() {}

    public static Mil.DataType dataType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> Mil.DataType.FLOAT32;
            case FLOAT16 -> Mil.DataType.FLOAT16;
            case BFLOAT16 -> Mil.DataType.BFLOAT16;
            case FLOAT64 -> Mil.DataType.FLOAT64;
            case INT8 -> Mil.DataType.INT8;
            case UINT8 -> Mil.DataType.UINT8;
            case INT16 -> Mil.DataType.INT16;
            case INT32 -> Mil.DataType.INT32;
            case INT64 -> Mil.DataType.INT64;
            case BOOL -> Mil.DataType.BOOL;
        };
    }

    public static DType dtype(Mil.DataType dataType) {
        return switch (dataType) {
            case FLOAT32 -> DType.FLOAT32;
            case FLOAT16 -> DType.FLOAT16;
            case BFLOAT16 -> DType.BFLOAT16;
            case FLOAT64 -> DType.FLOAT64;
            case INT8 -> DType.INT8;
            case UINT8 -> DType.UINT8;
            case INT16 -> DType.INT16;
            case INT32 -> DType.INT32;
            case INT64 -> DType.INT64;
            case BOOL -> DType.BOOL;
            default -> throw new IllegalArgumentException("MIL data type " + dataType + " has no IR equivalent");
        };
    }

    /** The dtype names of the MIL {@code cast} op. */
    public static String castName(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> "fp32";
            case FLOAT16 -> "fp16";
            case INT32 -> "int32";
            case INT16 -> "int16";
            case INT8 -> "int8";
            case UINT8 -> "uint8";
            case BOOL -> "bool";
            default -> throw new IllegalArgumentException("MIL cast cannot produce " + dtype);
        };
    }

    public static DType fromCastName(String name) {
        return switch (name) {
            case "fp32" -> DType.FLOAT32;
            case "fp16" -> DType.FLOAT16;
            case "int32" -> DType.INT32;
            case "int16" -> DType.INT16;
            case "int8" -> DType.INT8;
            case "uint8" -> DType.UINT8;
            case "bool" -> DType.BOOL;
            default -> throw new IllegalArgumentException("unknown MIL cast dtype '" + name + "'");
        };
    }

    public static Mil.ValueType valueType(TensorType type) {
        return Mil.ValueType.newBuilder().setTensorType(tensorType(type)).build();
    }

    public static Mil.ValueType scalarType(Mil.DataType dataType) {
        return Mil.ValueType.newBuilder().setTensorType(Mil.TensorType.newBuilder().setDataType(dataType).setRank(0)).build();
    }

    public static Mil.TensorType tensorType(TensorType type) {
        Mil.TensorType.Builder t = Mil.TensorType.newBuilder().setDataType(dataType(type.dtype())).setRank(type.rank());
        for (int d : type.shape()) {
            t.addDimensions(Mil.Dimension.newBuilder().setConstant(Mil.Dimension.ConstantDimension.newBuilder().setSize(d)));
        }
        return t.build();
    }

    /**
     * The IR type of a MIL value type; only fixed-shape tensors have one. {@code where} names the value and
     * its file ("model.mlmodel const conv_0_weight"): every error, including a shape whose size overflows,
     * starts with it.
     */
    public static TensorType irType(Mil.ValueType valueType, String where) {
        if (!valueType.hasTensorType()) {
            throw new IllegalArgumentException(where + ": expected a tensor type, found " + valueType.getTypeCase());
        }
        Mil.TensorType t = valueType.getTensorType();
        if (t.getRank() < 0 || t.getRank() != t.getDimensionsCount()) {
            throw new IllegalArgumentException(where + ": rank " + t.getRank() + " with " + t.getDimensionsCount() + " dimensions");
        }
        DType dtype;
        try {
            dtype = dtype(t.getDataType());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        int[] shape = new int[t.getDimensionsCount()];
        for (int i = 0; i < shape.length; i++) {
            Mil.Dimension d = t.getDimensions(i);
            if (!d.hasConstant()) throw new IllegalArgumentException(where + ": dimension " + i + " is not fixed; only static shapes are supported");
            long size = d.getConstant().getSize();
            if (size < 0 || size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException(where + ": dimension " + i + " is " + size + ", expected 0.." + Integer.MAX_VALUE);
            }
            shape[i] = (int) size;
        }
        try {
            return new TensorType(dtype, shape);
        } catch (IllegalArgumentException e) {
            // e.g. a shape whose byte size passes 2^63
            throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    public static ArrayFeatureType.ArrayDataType arrayDataType(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> ArrayFeatureType.ArrayDataType.FLOAT32;
            case FLOAT16 -> ArrayFeatureType.ArrayDataType.FLOAT16;
            case FLOAT64 -> ArrayFeatureType.ArrayDataType.DOUBLE;
            case INT32 -> ArrayFeatureType.ArrayDataType.INT32;
            default -> throw new IllegalArgumentException("a Core ML multi-array cannot hold " + dtype);
        };
    }
}

package dev.htdemucs.onnx;

import dev.htdemucs.ir.DType;
import dev.htdemucs.onnx.proto.OnnxProto.TensorProto.DataType;

/** The correspondence between IR element types and ONNX {@code TensorProto.DataType} codes. */
final class OnnxDataTypes {
    private OnnxDataTypes() {}

    static int toOnnx(DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> DataType.FLOAT_VALUE;
            case FLOAT16 -> DataType.FLOAT16_VALUE;
            case BFLOAT16 -> DataType.BFLOAT16_VALUE;
            case FLOAT64 -> DataType.DOUBLE_VALUE;
            case INT8 -> DataType.INT8_VALUE;
            case UINT8 -> DataType.UINT8_VALUE;
            case INT16 -> DataType.INT16_VALUE;
            case INT32 -> DataType.INT32_VALUE;
            case INT64 -> DataType.INT64_VALUE;
            case BOOL -> DataType.BOOL_VALUE;
        };
    }

    /** The IR type of an ONNX data type code; {@code where} names the tensor or value for the error. */
    static DType fromOnnx(int code, String where) {
        DataType t = DataType.forNumber(code);
        if (t != null) {
            switch (t) {
                case FLOAT: return DType.FLOAT32;
                case FLOAT16: return DType.FLOAT16;
                case BFLOAT16: return DType.BFLOAT16;
                case DOUBLE: return DType.FLOAT64;
                case INT8: return DType.INT8;
                case UINT8: return DType.UINT8;
                case INT16: return DType.INT16;
                case INT32: return DType.INT32;
                case INT64: return DType.INT64;
                case BOOL: return DType.BOOL;
                default: break;
            }
        }
        throw new OnnxConversionException(where + " has ONNX element type " + (t == null ? "code " + code : t.name())
                + ", which the IR does not support (float32/16/64, bfloat16, int8/16/32/64, uint8, bool)");
    }
}

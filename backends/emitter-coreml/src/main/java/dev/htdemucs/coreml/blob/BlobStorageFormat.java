package dev.htdemucs.coreml.blob;

import dev.htdemucs.ir.DType;

/**
 * The Core ML "MIL blob storage v2" file format ({@code weights/weight.bin} of an .mlpackage), as described
 * by Apple's MILBlob StorageFormat.hpp. All integers little-endian.
 *
 * <pre>
 * storage header, 64 bytes at offset 0:  u32 count, u32 version (= 2), 7 x u64 reserved (0)
 * per blob, at a 64-byte aligned offset:
 *   metadata record, 64 bytes:  u32 sentinel (0xDEADBEEF), u32 blob dtype code, u64 sizeInBytes,
 *                               u64 data offset, u64 padding_size_in_bits, 4 x u64 reserved (0)
 *   data: sizeInBytes bytes at the (64-byte aligned) data offset, written directly after the record
 * </pre>
 *
 * A MIL {@code const} refers to a blob by the file offset of its <em>metadata record</em>.
 */
public final class BlobStorageFormat {
    private BlobStorageFormat() {}

    public static final int ALIGNMENT = 64;
    public static final int HEADER_SIZE = 64;
    public static final int METADATA_SIZE = 64;
    public static final int VERSION = 2;
    public static final int SENTINEL = 0xDEADBEEF;

    /** Blob dtype codes (MILBlob BlobDataType) of the element types we store. */
    public static int dtypeCode(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> 1;
            case FLOAT32 -> 2;
            case UINT8 -> 3;
            case INT8 -> 4;
            case BFLOAT16 -> 5;
            case INT16 -> 6;
            case INT32 -> 14;
            default -> throw new IllegalArgumentException("dtype " + dtype + " cannot be stored in a MIL weight blob");
        };
    }

    /** The IR dtype of a blob dtype code, for the byte-sized types we read. */
    public static DType dtypeOf(int code) {
        return switch (code) {
            case 1 -> DType.FLOAT16;
            case 2 -> DType.FLOAT32;
            case 3 -> DType.UINT8;
            case 4 -> DType.INT8;
            case 5 -> DType.BFLOAT16;
            case 6 -> DType.INT16;
            case 14 -> DType.INT32;
            default -> throw new IllegalArgumentException("blob dtype code " + code
                    + " is not one we read (fp16=1, fp32=2, uint8=3, int8=4, bf16=5, int16=6, int32=14;"
                    + " sub-byte and fp8 types are not supported)");
        };
    }

    public static long align(long offset) {
        long rem = offset % ALIGNMENT;
        return rem == 0 ? offset : offset + ALIGNMENT - rem;
    }
}

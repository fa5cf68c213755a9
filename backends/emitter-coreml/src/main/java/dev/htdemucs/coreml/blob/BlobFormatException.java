package dev.htdemucs.coreml.blob;

import java.io.IOException;

/** A weight.bin that does not follow the blob storage format; the message names file and offset. */
public final class BlobFormatException extends IOException {
    public BlobFormatException(String message) { super(message); }
}

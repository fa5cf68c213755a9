package dev.htdemucs.pytorch.checkpoint;

import java.io.IOException;

/**
 * A checkpoint file is not what it should be: not a torch zip archive, truncated, a pickle that does not
 * parse, or a package without the expected fields. The message says what was expected, what was found
 * and where (file, zip entry, pickle offset, tensor name).
 */
public class CheckpointFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}

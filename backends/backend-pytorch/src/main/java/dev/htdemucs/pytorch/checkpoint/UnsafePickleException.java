package dev.htdemucs.pytorch.checkpoint;

/**
 * The pickle asks for something a data-only checkpoint never needs: a global that could run code
 * ({@code os.system}, {@code builtins.eval}, ...), an instantiation opcode such as INST, or an
 * extension-registry or out-of-band-buffer reference. Nothing was executed; the file was refused.
 */
public class UnsafePickleException extends CheckpointFormatException {
    private static final long serialVersionUID = 1L;

    public UnsafePickleException(String message) {
        super(message);
    }
}

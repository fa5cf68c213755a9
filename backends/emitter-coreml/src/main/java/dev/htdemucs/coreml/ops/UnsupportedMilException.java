package dev.htdemucs.coreml.ops;

/** A MIL op, or a use of one, that has no IR equivalent; the message names the op. */
public final class UnsupportedMilException extends RuntimeException {
    public UnsupportedMilException(String message) { super(message); }
}

package dev.htdemucs.ir;

/** A malformed graph or an op applied to inputs it cannot take; the message names the node. */
public class IrException extends RuntimeException {
    public IrException(String message) { super(message); }
    public IrException(String message, Throwable cause) { super(message, cause); }
}

package dev.htdemucs.pipeline;

import java.nio.file.Path;

/** An input file a step cannot use; the message is {@code <cause> (<file>)}. */
public final class InputFileException extends Exception {
    private final String cause;
    private final Path file;

    public InputFileException(String cause, Path file, Throwable source) {
        super(cause + " (" + file + ")", source);
        this.cause = cause;
        this.file = file;
    }

    /** What is wrong with the file, without the file. */
    public String cause() { return cause; }

    public Path file() { return file; }
}

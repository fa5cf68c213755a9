package dev.htdemucs.cli;

import java.nio.file.Path;

/** An input file the command cannot use; the message is {@code <cause> (<file>)}. */
final class InputFileException extends Exception {
    private final String cause;
    private final Path file;

    InputFileException(String cause, Path file, Throwable source) {
        super(cause + " (" + file + ")", source);
        this.cause = cause;
        this.file = file;
    }

    /** What is wrong with the file, without the file. */
    String cause() { return cause; }

    Path file() { return file; }
}

package dev.htdemucs.cli;

import java.nio.file.Path;

/** An input file the command cannot use; the message is {@code <cause> (<file>)}. */
final class InputFileException extends Exception {
    InputFileException(String cause, Path file, Throwable source) {
        super(cause + " (" + file + ")", source);
    }
}

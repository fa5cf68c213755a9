package dev.htdemucs.pipeline;

import dev.htdemucs.spi.PluginException;

import java.nio.file.Path;

/**
 * An input file a step cannot use; the message is {@code <cause> (<file>)}. A {@link PluginException}, so a caller
 * of the pipeline handles one kind of checked failure; the CLI shows {@link #cause} and {@link #file} apart.
 */
public final class InputFileException extends PluginException {
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

package dev.htdemucs.spi;

/**
 * A checked failure of a plugin: a model file that can't be read, a graph that can't be emitted,
 * a runtime that can't execute. Messages say what was expected, what was found, and where.
 */
public class PluginException extends Exception {
    public PluginException(String message) { super(message); }
    public PluginException(String message, Throwable cause) { super(message, cause); }
}

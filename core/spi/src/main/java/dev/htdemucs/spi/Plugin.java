package dev.htdemucs.spi;

/** Every plugin has a stable name (used on the command line) and a one-line description. */
public interface Plugin {
    String name();

    String description();
}

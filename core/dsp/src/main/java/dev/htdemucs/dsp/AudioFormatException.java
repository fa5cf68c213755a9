package dev.htdemucs.dsp;

/**
 * An audio file or buffer that cannot be used: not a WAV file, truncated, an unsupported encoding or
 * channel layout, no samples. The message names the cause (and the byte offset where it helps);
 * callers add the file name.
 */
public class AudioFormatException extends Exception {

    public AudioFormatException(String message) {
        super(message);
    }
}

package dev.htdemucs.validation;

import dev.htdemucs.pipeline.ErrorMessages;
import dev.htdemucs.pipeline.InputFileException;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.AudioFormatException;
import dev.htdemucs.dsp.WavReader;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads songs (WAV) for {@code validate --input} and {@code separate}, with errors that name the file. */
public final class SongFiles {
    private SongFiles() {}

    public static Audio read(Path song) throws InputFileException {
        if (Files.isDirectory(song)) throw new InputFileException("a directory, not a WAV file", song, null);
        try {
            return WavReader.read(song);
        } catch (NoSuchFileException e) {
            throw new InputFileException("file not found", song, e);
        } catch (AccessDeniedException e) {
            throw new InputFileException("permission denied", song, e);
        } catch (IOException e) {
            throw new InputFileException("cannot read: " + e.getMessage(), song, e);
        } catch (AudioFormatException e) {
            throw new InputFileException(e.getMessage(), song, e);
        } catch (RuntimeException | OutOfMemoryError e) {
            // a hostile header the reader did not anticipate: still an error about this file
            throw new InputFileException(ErrorMessages.message(e), song, e);
        }
    }
}

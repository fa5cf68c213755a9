package dev.htdemucs.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The cause of an error in one line of words, for error lines and for errors that wrap another one with the
 * file it concerns: the message, in words where the JDK's message is only a path or empty.
 */
public final class ErrorMessages {
    private static final Pattern LINE_BREAKS = Pattern.compile("\\s*\\R\\s*");
    /** Exceptions whose message says all; for others the class name is part of the cause ("EOFException"). */
    private static final Set<Class<? extends Throwable>> SELF_EXPLANATORY = Set.of(IllegalArgumentException.class,
            IllegalStateException.class, UnsupportedOperationException.class, IOException.class, UncheckedIOException.class);

    private ErrorMessages() {}

    /** The cause in one line (see the class comment). */
    public static String message(Throwable e) {
        if (e instanceof InputFileException f) return oneLine(f.cause());
        if (e instanceof UncheckedIOException u && u.getCause() instanceof FileSystemException f) return oneLine(describe(f));
        if (e instanceof FileSystemException f) return oneLine(describe(f));
        if (e instanceof OutOfMemoryError) {
            return "out of memory" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")")
                    + ": the input is corrupt or too big for the Java heap; a larger heap: HTDEMUCS_JAVA_OPTS=-Xmx16g";
        }
        if (e instanceof StackOverflowError) return "the input nests too deeply to read (stack overflow); it is corrupt or hostile";
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        boolean ours = e.getClass().getName().startsWith("dev.htdemucs.");
        if (ours || SELF_EXPLANATORY.contains(e.getClass())) return oneLine(m);
        return e.getClass().getSimpleName() + ": " + oneLine(m);
    }

    private static String describe(FileSystemException f) {
        if (f instanceof NoSuchFileException) return "file not found";
        if (f instanceof AccessDeniedException) return "permission denied";
        if (f instanceof FileAlreadyExistsException) return "already exists";
        if (f instanceof NotDirectoryException) return "not a directory";
        if (f instanceof DirectoryNotEmptyException) return "directory not empty";
        return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
    }

    /** A multi-line message on one line: "problems:\n  a\n  b" becomes "problems: a; b". */
    public static String oneLine(String m) {
        StringBuilder line = new StringBuilder();
        for (String part : LINE_BREAKS.split(m.strip())) {
            if (line.length() > 0) line.append(line.charAt(line.length() - 1) == ':' ? " " : "; ");
            line.append(part);
        }
        return line.toString();
    }
}

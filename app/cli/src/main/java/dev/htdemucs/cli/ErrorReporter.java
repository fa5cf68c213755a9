package dev.htdemucs.cli;

import dev.htdemucs.pipeline.ErrorMessages;
import dev.htdemucs.pipeline.InputFileException;
import picocli.CommandLine;
import picocli.CommandLine.ExecutionException;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExecutionStrategy;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every error ends the command with exit code 2 and exactly one line {@code error: <cause> (<file>)} on
 * stderr; with {@code --debug} the stack trace follows. This is the one place that formats errors, for
 * checked and unchecked exceptions alike, and for {@link Error}s such as an {@link OutOfMemoryError} on a
 * hostile file (see {@link #catchingErrors}).
 *
 * <p>The file is the one the error is about, found in this order: the file of an {@link InputFileException};
 * a file the message already ends with, {@code (...)}; the command's file argument (an option or parameter
 * holding a path) that the message names first; the file of a {@link FileSystemException} among the
 * causes. Inside the cause, the full path is shortened to its file name, since it follows in parentheses.
 * An error that concerns no file (a bad option value, an unknown plugin) has no parentheses.
 */
final class ErrorReporter implements IExecutionExceptionHandler {
    static final int EXIT_ERROR = 2;
    private static final Pattern TRAILING_PARENTHESES = Pattern.compile("\\s*\\(([^()]+)\\)$");

    /** Makes {@code cl} report every error, of parsing or of execution, as described above. */
    static CommandLine install(CommandLine cl) {
        cl.setExecutionStrategy(catchingErrors(new CommandLine.RunLast()));
        cl.setExecutionExceptionHandler(new ErrorReporter());
        cl.setParameterExceptionHandler(new ParameterErrors());
        return cl;
    }

    @Override
    public int handleExecutionException(Exception e, CommandLine cl, ParseResult parsed) {
        Throwable error = e instanceof ExecutionException && e.getCause() instanceof Error ? e.getCause() : e;
        PrintWriter err = cl.getErr();
        err.println(line(error, fileArguments(parsed)));
        if (debug(parsed)) error.printStackTrace(err);
        err.flush();
        return EXIT_ERROR;
    }

    /**
     * Wraps the strategy so that {@link Error}s thrown by a command (picocli lets them escape, the JVM would
     * print its own stack trace and exit 1) reach {@link #handleExecutionException} too.
     */
    private static IExecutionStrategy catchingErrors(IExecutionStrategy strategy) {
        return parsed -> {
            try {
                return strategy.execute(parsed);
            } catch (Error e) {
                ParseResult last = parsed;
                while (last.subcommand() != null) last = last.subcommand();
                throw new ExecutionException(last.commandSpec().commandLine(), "error in " + last.commandSpec().qualifiedName(), e);
            }
        };
    }

    /** The error line, {@code error: <cause> (<file>)}, given the command's file arguments. */
    static String line(Throwable e, Collection<Path> fileArguments) {
        String cause = message(e);
        String file = file(e, cause, fileArguments);
        return "error: " + (file == null ? cause : withFile(cause, file));
    }

    /** The cause in one line: the message, in words where the JDK's message is only a path or empty. */
    static String message(Throwable e) {
        if (e instanceof ParameterException && e.getMessage() != null && !e.getMessage().isBlank()) {
            return ErrorMessages.oneLine(e.getMessage());
        }
        return ErrorMessages.message(e);
    }

    /** The file the error is about (see the class comment), or null. */
    static String file(Throwable e, String cause, Collection<Path> fileArguments) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InputFileException f) return f.file().toString();
        }
        List<String> candidates = new ArrayList<>();
        for (Path p : fileArguments) {
            candidates.add(p.toString());
            candidates.add(p.toAbsolutePath().normalize().toString());
        }
        Matcher trailing = TRAILING_PARENTHESES.matcher(cause);
        if (trailing.find() && (candidates.contains(trailing.group(1)) || isExistingPath(trailing.group(1)))) {
            return trailing.group(1);
        }
        String named = null;
        int at = Integer.MAX_VALUE;
        for (String c : candidates) {
            int i = c.isEmpty() ? -1 : cause.indexOf(c);
            if (i >= 0 && (i < at || (i == at && c.length() > named.length()))) {
                named = c;
                at = i;
            }
        }
        if (named != null) return named;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException f && f.getFile() != null) return f.getFile();
        }
        return null;
    }

    private static boolean isExistingPath(String s) {
        if (!s.contains("/") && !s.contains("\\")) return false;
        try {
            return Files.exists(Path.of(s));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** {@code cause (file)}, with the file's full path inside the cause shortened to its name. */
    static String withFile(String cause, String file) {
        String c = cause.replace(" (" + file + ")", "").replace(": " + file + ": ", ": ");
        if (c.startsWith(file + ": ")) c = c.substring(file.length() + 2);
        if (c.endsWith(": " + file)) c = c.substring(0, c.length() - file.length() - 2);
        Path name;
        try {
            name = Path.of(file).getFileName();
        } catch (InvalidPathException e) {
            name = null;
        }
        if (name != null && !name.toString().equals(file)) c = c.replace(file, name.toString());
        if (c.isBlank()) c = "cannot use this file";
        return c + " (" + file + ")";
    }

    /** The paths given on the command line (options and parameters of type Path or a collection of paths). */
    static Set<Path> fileArguments(ParseResult parsed) {
        Set<Path> files = new LinkedHashSet<>();
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            for (ArgSpec arg : p.matchedArgs()) {
                Object value = arg.getValue();
                if (value instanceof Path path) files.add(path);
                else if (value instanceof Collection<?> values) {
                    for (Object v : values) if (v instanceof Path path) files.add(path);
                }
            }
        }
        return files;
    }

    private static boolean debug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) return true;
        }
        return false;
    }

    /** Bad command-line usage: one error line that says where help is. */
    static final class ParameterErrors implements IParameterExceptionHandler {
        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ErrorMessages.oneLine(String.valueOf(ex.getMessage())) + "; see '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            if (List.of(args).contains("--debug")) ex.printStackTrace(err);
            err.flush();
            return EXIT_ERROR;
        }
    }
}

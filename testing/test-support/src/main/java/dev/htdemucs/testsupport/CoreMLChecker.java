package dev.htdemucs.testsupport;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the independent package checker (shared/tools/coreml-check/validate_mlpackage.py: Apple's coremltools
 * loading the package and re-running MIL type inference on every op) when it is installed. Found through the
 * system property {@value #PROPERTY} or environment variable {@value #ENV}, else
 * {@code shared/tools/coreml-check/validate_mlpackage.py} two or three folders up from the working
 * directory (a module's folder); needs {@code /usr/bin/python3}. Tests using it are skipped when it is absent: CI does not need it.
 */
public final class CoreMLChecker {
    public static final String PROPERTY = "coreml.check";
    public static final String ENV = "COREML_CHECK";
    public static final Path PYTHON = Path.of("/usr/bin/python3");

    public record Result(int exitCode, String output) {
        public String lastLine() {
            String[] lines = output.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private CoreMLChecker() {}

    public static Path locate() {
        String configured = System.getProperty(PROPERTY, System.getenv(ENV));
        List<Path> candidates = configured != null && !configured.isBlank() ? List.of(Path.of(configured))
                : List.of(Path.of("../../../shared/tools/coreml-check/validate_mlpackage.py"),
                          Path.of("../../shared/tools/coreml-check/validate_mlpackage.py"),
                          Path.of("../shared/tools/coreml-check/validate_mlpackage.py"));
        for (Path p : candidates) if (Files.isRegularFile(p)) return p.toAbsolutePath().normalize();
        return null;
    }

    /** The checker, or a JUnit assumption failure (test skipped) saying what is missing. */
    public static Path require() {
        Path checker = locate();
        String why = checker == null ? "skipped: coreml-check validator not found (set -D" + PROPERTY + " or " + ENV
                + " to validate_mlpackage.py)" : !Files.isExecutable(PYTHON) ? "skipped: " + PYTHON + " not found for the coreml-check validator" : null;
        if (why != null) {
            System.err.println(why);
            Assumptions.assumeTrue(false, why);
        }
        return checker;
    }

    public static Result check(Path pkg) throws IOException, InterruptedException {
        Path checker = require();
        Process p = new ProcessBuilder(PYTHON.toString(), checker.toString(), pkg.toString(), "--quiet")
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("validator timed out on " + pkg);
        }
        Result r = new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        System.out.println("[coreml-check] " + r.lastLine());
        return r;
    }
}

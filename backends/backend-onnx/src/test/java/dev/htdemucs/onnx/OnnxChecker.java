package dev.htdemucs.onnx;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The ONNX project's own model checker ({@code onnx.checker.check_model(..., full_check=True)}, which
 * includes shape inference), run through Debian's python3-onnx when installed. Absent, the calling test
 * is skipped with a message saying how to enable it: CI must not need Python.
 */
final class OnnxChecker {
    private OnnxChecker() {}

    static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final String SCRIPT = "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok', onnx.__version__)";
    private static Boolean available;

    static synchronized boolean available() {
        if (available == null) {
            try {
                available = Files.isExecutable(PYTHON) && run(List.of(PYTHON.toString(), "-c", "import onnx")).exit == 0;
            } catch (IOException e) {
                available = false;
            }
        }
        return available;
    }

    /** Checks the file, or skips the test when the checker is not installed. */
    static void check(Path model) throws IOException {
        if (!available()) {
            String msg = "skipped: ONNX checker not available (install Debian's python3-onnx for /usr/bin/python3 to enable)";
            System.err.println(msg);
            Assumptions.assumeTrue(false, msg);
        }
        Result r = run(List.of(PYTHON.toString(), "-c", SCRIPT, model.toString()));
        if (r.exit != 0) fail("onnx.checker rejects " + model + ":\n" + r.output);
        System.out.println("onnx.checker on " + model.getFileName() + ": " + r.output.strip());
        assertEquals(0, r.exit);
    }

    private record Result(int exit, String output) {}

    private static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("onnx.checker timed out: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command, e);
        }
    }
}

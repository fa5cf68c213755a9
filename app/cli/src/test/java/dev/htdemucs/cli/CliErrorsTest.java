package dev.htdemucs.cli;

import dev.htdemucs.pipeline.InputFileException;
import dev.htdemucs.golden.Golden;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.htdemucs.cli.ErrorLines.assertErrorLineThenStackTrace;
import static dev.htdemucs.cli.ErrorLines.assertOneErrorLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command meets missing, broken and malicious files with exit code 2 and one line
 * {@code error: <cause> (<file>)} — no stack trace unless --debug, nothing written.
 */
class CliErrorsTest {
    @TempDir
    static Path dir;
    static Path missing, truncatedTh, unsafeTh, marker, corruptOnnx, corruptPackage, badNpy, hugeNpy, innerOnnx, spec, notADir;

    @BeforeAll
    static void files() throws Exception {
        missing = dir.resolve("missing.th");
        truncatedTh = HostileFiles.truncatedCheckpoint(dir.resolve("truncated.th"));
        marker = dir.resolve("pwned");
        unsafeTh = HostileFiles.unsafePickleCheckpoint(dir.resolve("unsafe.th"), marker);
        corruptOnnx = HostileFiles.corruptOnnx(dir.resolve("corrupt.onnx"));
        corruptPackage = HostileFiles.corruptMlpackage(dir.resolve("corrupt.mlpackage"));
        badNpy = HostileFiles.badNpy(dir.resolve("bad.npy"));
        hugeNpy = HostileFiles.hugeShapeNpy(dir.resolve("huge.npy"));
        innerOnnx = Golden.tiny6().file("inner.onnx");
        spec = Golden.tiny6().file("white_noise/spec.npy");
        notADir = Files.writeString(dir.resolve("notes.txt"), "a file, not a directory");
    }

    private static List<Path> entries() throws Exception {
        try (var s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    /** Runs a command that must fail on {@code file}; checks the error line and that the temp dir gained nothing. */
    private static String fails(Path file, String... args) throws Exception {
        List<Path> before = entries();
        CliRunner.Result r = CliRunner.run(args);
        String line = assertOneErrorLine(r, file);
        System.out.println(args[0] + ": " + line);
        assertEquals(before, entries(), "nothing written beside the inputs");
        return line;
    }

    @Test
    void missingModelFile() throws Exception {
        assertEquals("error: model file not found (" + missing + ")",
                fails(missing, "convert", "--model", missing.toString(), "--out", dir.resolve("x.mlpackage").toString()));
        fails(missing, "inspect", missing.toString());
        fails(missing, "export-onnx", "--model", missing.toString(), "--out", dir.resolve("x.onnx").toString());
        fails(missing, "separate", "--model", missing.toString(), "--out", dir.resolve("sep").toString(), "song.wav");
        fails(missing, "validate", "--model", missing.toString());
    }

    @Test
    void truncatedCheckpoint() throws Exception {
        String line = fails(truncatedTh, "convert", "--model", truncatedTh.toString(), "--out", dir.resolve("x.mlpackage").toString());
        assertTrue(line.contains("not a complete zip archive"), line);
        fails(truncatedTh, "inspect", truncatedTh.toString());
        fails(truncatedTh, "export-onnx", "--model", truncatedTh.toString(), "--out", dir.resolve("x.onnx").toString());
        fails(truncatedTh, "run", "--model", truncatedTh.toString(), "--input", spec.toString(), "--out", dir.resolve("run").toString());
        fails(truncatedTh, "separate", "--model", truncatedTh.toString(), "--out", dir.resolve("sep").toString(), "song.wav");
        fails(truncatedTh, "validate", "--model", truncatedTh.toString());
        fails(truncatedTh, "bench", "--model", truncatedTh.toString(), "--skip", "conversion,stft", "--seconds", "1");
    }

    @Test
    void unsafePickleIsRefusedAndNeverRuns() throws Exception {
        String line = fails(unsafeTh, "convert", "--model", unsafeTh.toString(), "--out", dir.resolve("x.mlpackage").toString());
        assertTrue(line.contains("refused global os.system"), line);
        fails(unsafeTh, "inspect", unsafeTh.toString());
        assertFalse(Files.exists(marker), "the pickle's payload ran");
    }

    @Test
    void corruptOnnx() throws Exception {
        String line = fails(corruptOnnx, "inspect", corruptOnnx.toString());
        assertTrue(line.contains("not a valid ONNX model"), line);
        fails(corruptOnnx, "convert", "--model", corruptOnnx.toString(), "--out", dir.resolve("x.mlpackage").toString());
        fails(corruptOnnx, "run", "--model", corruptOnnx.toString(), "--runtime", "onnxruntime",
                "--input", spec.toString(), "--out", dir.resolve("run").toString());
        fails(corruptOnnx, "separate", "--model", corruptOnnx.toString(), "--runtime", "onnxruntime",
                "--out", dir.resolve("sep").toString(), "song.wav");
    }

    @Test
    void corruptMlpackage() throws Exception {
        String line = fails(corruptPackage, "inspect", corruptPackage.toString());
        assertTrue(line.startsWith("error: cannot read corrupt.mlpackage: "), line);
        fails(corruptPackage, "separate", "--model", corruptPackage.toString(), "--runtime", "coreml-reference",
                "--out", dir.resolve("sep").toString(), "song.wav");
    }

    @Test
    void badNpyInputs() throws Exception {
        String[] run = {"run", "--model", innerOnnx.toString(), "--runtime", "reference", "--out", dir.resolve("run").toString(), "--input"};
        String line = fails(badNpy, concat(run, badNpy + "," + spec));
        assertTrue(line.startsWith("error: not a usable .npy file: "), line);
        line = fails(hugeNpy, concat(run, hugeNpy + "," + spec));
        assertTrue(line.contains("[100000, 100000, 1000]"), line);
        Path missingNpy = dir.resolve("missing.npy");
        assertEquals("error: file not found (" + missingNpy + ")", fails(missingNpy, concat(run, missingNpy + "," + spec)));
        // the right file format, the wrong tensor: the file given for 'mix' holds a spectrogram
        line = fails(spec, concat(run, spec + "," + spec));
        assertTrue(line.startsWith("error: input mix has shape [1, 4, "), line);
    }

    @Test
    void unusableDirectories() throws Exception {
        fails(notADir, "plugins", "--plugin-path", notADir.toString());
        Path under = notADir.resolve("out");
        fails(under, "run", "--model", innerOnnx.toString(), "--runtime", "reference", "--out", under.toString(),
                "--input", Golden.tiny6().file("white_noise/mix.npy") + "," + spec);
    }

    @Test
    void debugAddsTheStackTrace() throws Exception {
        CliRunner.Result r = CliRunner.run("convert", "--debug", "--model", truncatedTh.toString(), "--out", dir.resolve("x.mlpackage").toString());
        assertErrorLineThenStackTrace(r, "dev.htdemucs.spi.PluginException");
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("error: ") && l.endsWith("(" + truncatedTh + ")")), r.err());
        CliRunner.Result npy = CliRunner.run("run", "--model", innerOnnx.toString(), "--runtime", "reference", "--debug",
                "--out", dir.resolve("run").toString(), "--input", hugeNpy + "," + spec);
        assertErrorLineThenStackTrace(npy, "dev.htdemucs.pipeline.InputFileException");
        assertTrue(npy.err().contains("NpyFormatException"), "the cause's trace follows: " + npy.err());
    }

    @Test
    void usageErrorsAreOneLineToo() {
        CliRunner.Result r = CliRunner.run("convert", "--no-such-option");
        assertEquals("error: Unknown option: '--no-such-option'; see 'htdemucs convert --help'", assertOneErrorLine(r));
    }

    private static String[] concat(String[] head, String... tail) {
        List<String> all = new ArrayList<>(List.of(head));
        all.addAll(List.of(tail));
        return all.toArray(String[]::new);
    }
}

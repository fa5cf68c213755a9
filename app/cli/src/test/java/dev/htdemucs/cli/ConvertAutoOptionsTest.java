package dev.htdemucs.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.htdemucs.cli.ErrorLines.assertOneErrorLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code convert --precision auto} passes {@code --target-snr} and {@code --snr-margin} to the selector:
 * on tiny6, whose all-fp16 package measures about 62.7 dB on the calibration songs, 60 dB with no margin is
 * the fp16 plan (4 fp32 ops, the constant-only subgraphs), and 60 dB with a 10 dB margin needs ops in fp32.
 */
class ConvertAutoOptionsTest {
    private static final Pattern COUNTS = Pattern.compile("precision: auto — (\\d+) fp16 ops, (\\d+) fp32 ops");

    private static int fp32Ops(Path out, String... selectorArgs) {
        String[] args = new String[6 + selectorArgs.length];
        String[] base = {"convert", "--out", out.toString(), "--precision", "auto", "--force"};
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(selectorArgs, 0, args, base.length, selectorArgs.length);
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        Matcher m = COUNTS.matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Files.isDirectory(out), out + " written");
        return Integer.parseInt(m.group(2));
    }

    @Test
    void theMarginRaisesWhatTheCalibrationSongsMustReach(@TempDir Path dir) {
        int noMargin = fp32Ops(dir.resolve("none.mlpackage"), "--target-snr", "60", "--snr-margin", "0");
        int tenDb = fp32Ops(dir.resolve("ten.mlpackage"), "--target-snr", "60", "--snr-margin", "10");
        System.out.println("auto 60 dB on tiny6: " + noMargin + " fp32 ops with no margin, " + tenDb + " with 10 dB");
        assertEquals(4, noMargin, "60 dB with no margin is the fp16 plan");
        assertTrue(tenDb > noMargin, tenDb + " vs " + noMargin);
    }

    @Test
    void aNegativeMarginIsAClearErrorAndWritesNothing(@TempDir Path dir) {
        Path out = dir.resolve("x.mlpackage");
        CliRunner.Result r = CliRunner.run("convert", "--out", out.toString(), "--precision", "auto", "--snr-margin", "-2");
        String line = assertOneErrorLine(r);
        assertTrue(line.contains("margin_db") && line.contains("-2"), line);
        assertFalse(Files.exists(out), "nothing written");
    }

}

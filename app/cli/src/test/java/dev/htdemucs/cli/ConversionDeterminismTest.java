package dev.htdemucs.cli;

import dev.htdemucs.fixtures.GoldenAssumptions;
import dev.htdemucs.golden.Golden;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The same checkpoint always gives the same bytes: converting twice, and converting in two threads of one JVM
 * at once (no shared mutable state between conversions), gives packages identical to a serial run.
 */
class ConversionDeterminismTest {
    static final List<String> FILES = List.of("Manifest.json", "Data/com.apple.CoreML/model.mlmodel",
            "Data/com.apple.CoreML/weights/weight.bin");

    @Test
    void tiny6ConvertsToTheSameBytesTwiceAndInParallel(@TempDir Path dir) throws Exception {
        assertDeterministic(dir, Golden.tiny6().file("model.th"));
    }

    @Test
    @Tag("full")
    void fullSizeConvertsToTheSameBytesTwiceAndInParallel(@TempDir Path dir) throws Exception {
        assertDeterministic(dir, GoldenAssumptions.requireFullSize().file("model.th"));
    }

    private static void assertDeterministic(Path dir, Path model) throws Exception {
        Path serial = dir.resolve("serial.mlpackage");
        convert(model, serial, false);
        Map<String, String> first = hashes(serial);
        convert(model, serial, true);
        assertEquals(first, hashes(serial), "converting twice");

        List<Path> outs = List.of(dir.resolve("a.mlpackage"), dir.resolve("b.mlpackage"));
        ExecutorService pool = Executors.newFixedThreadPool(outs.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> runs = new ArrayList<>();
            for (Path out : outs) {
                runs.add(pool.submit(() -> {
                    start.await();
                    convert(model, out, false);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : runs) f.get();
        } finally {
            pool.shutdownNow();
        }
        for (Path out : outs) assertEquals(first, hashes(out), "parallel conversion to " + out.getFileName() + " vs serial");
        first.forEach((file, sha) -> System.out.println(model.getFileName() + " sha256 " + file + " " + sha));
    }

    private static void convert(Path model, Path out, boolean force) {
        List<String> args = new ArrayList<>(List.of("convert", "--model", model.toString(), "--out", out.toString(), "--precision", "fp16"));
        if (force) args.add("--force");
        CliRunner.Result r = CliRunner.run(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
    }

    static Map<String, String> hashes(Path pkg) throws IOException {
        Map<String, String> h = new LinkedHashMap<>();
        for (String f : FILES) h.put(f, sha256(pkg.resolve(f)));
        return h;
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

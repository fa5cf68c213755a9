package dev.htdemucs.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Stands in for {@code htdemucs convert} in the conversion child JVM (the CLI is not on this module's class
 * path): holds {@value #RESIDENT_MIB} MiB resident, writes a small package at {@code --out} and prints the
 * convert command's "time:" line. {@code --model} ending in {@code .fail} makes it exit with code 3.
 */
public final class StubConvertMain {
    static final int RESIDENT_MIB = 96;
    static final String TIME_LINE = "time:      0.12 s";

    private StubConvertMain() {}

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        String model = a.get(a.indexOf("--model") + 1);
        if (model.endsWith(".fail")) {
            System.err.println("error: stub conversion refuses " + model);
            System.exit(3);
        }
        byte[][] held = new byte[RESIDENT_MIB][];
        for (int i = 0; i < held.length; i++) {
            held[i] = new byte[1 << 20];
            Arrays.fill(held[i], (byte) i);  // touch every page so it is resident
        }
        Path out = Path.of(a.get(a.indexOf("--out") + 1));
        Files.createDirectories(out);
        Files.write(out.resolve("Manifest.json"), new byte[1000]);
        long sum = 0;
        for (byte[] b : held) sum += b[b.length - 1];
        System.out.println("wrote " + out + " (" + sum + ")");
        System.out.println(TIME_LINE);
    }
}

package dev.htdemucs.bench;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What a bench run measures and how.
 *
 * @param model            model to measure; null for the full-size golden htdemucs_6s checkpoint (or, when that
 *                         is absent, the bundled tiny6 model, with a note in the report)
 * @param runtimes         runtimes whose separation speed is measured, in order
 * @param seconds          length of the separated input, in seconds of audio
 * @param threads          threads given to every runtime (option {@code threads})
 * @param repeat           timed repeats of the STFT/iSTFT and of the reference runtime's segment, after warm-up
 * @param skip             steps not to run
 * @param torchscript      a TorchScript file of the same model's inner network, for the {@code pytorch} runtime;
 *                         null when there is none
 * @param convertHeap      the child JVM's maximum heap, as {@code -Xmx} takes it (the launcher's default: 8g)
 * @param convertMainClass main class of the {@code htdemucs} command line the conversion child runs
 * @param profileDir       where to write JFR recordings of the conversion and the reference runtime, and summarise
 *                         their hot methods; null for no profiling
 */
public record BenchSettings(Path model, List<String> runtimes, double seconds, int threads, int repeat,
                            Set<BenchStep> skip, Path torchscript, String convertHeap, String convertMainClass,
                            Path profileDir) {

    public static final List<String> DEFAULT_RUNTIMES = List.of("reference", "onnxruntime");
    public static final double DEFAULT_SECONDS = 60;
    public static final int DEFAULT_REPEAT = 3;
    /** What the {@code htdemucs} launcher gives the JVM unless {@code HTDEMUCS_JAVA_OPTS} says otherwise. */
    public static final String DEFAULT_CONVERT_HEAP = "8g";
    public static final String CLI_MAIN_CLASS = "dev.htdemucs.cli.Main";

    public BenchSettings {
        runtimes = List.copyOf(runtimes);
        skip = skip.isEmpty() ? EnumSet.noneOf(BenchStep.class) : EnumSet.copyOf(skip);
        if (!(seconds > 0)) throw new IllegalArgumentException("seconds of audio must be > 0, got " + seconds);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (repeat < 1) throw new IllegalArgumentException("repeat must be >= 1, got " + repeat);
        if (!convertHeap.matches("[0-9]+[kKmMgG]?")) {
            throw new IllegalArgumentException("heap must look like -Xmx's argument (e.g. 8g, 512m), got '" + convertHeap + "'");
        }
    }

    /** Every step on the default model, both default runtimes, 60 s of audio, one thread per core. */
    public static BenchSettings defaults() {
        return new BenchSettings(null, DEFAULT_RUNTIMES, DEFAULT_SECONDS, java.lang.Runtime.getRuntime().availableProcessors(),
                DEFAULT_REPEAT, Set.of(), null, DEFAULT_CONVERT_HEAP, CLI_MAIN_CLASS, null);
    }

    public boolean runs(BenchStep step) { return !skip.contains(step); }

    public BenchSettings withModel(Path value) {
        return new BenchSettings(value, runtimes, seconds, threads, repeat, skip, torchscript, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withRuntimes(List<String> value) {
        return new BenchSettings(model, value, seconds, threads, repeat, skip, torchscript, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withSeconds(double value) {
        return new BenchSettings(model, runtimes, value, threads, repeat, skip, torchscript, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withThreads(int value) {
        return new BenchSettings(model, runtimes, seconds, value, repeat, skip, torchscript, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withRepeat(int value) {
        return new BenchSettings(model, runtimes, seconds, threads, value, skip, torchscript, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withSkip(Set<BenchStep> value) {
        return new BenchSettings(model, runtimes, seconds, threads, repeat, value, torchscript, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withTorchscript(Path value) {
        return new BenchSettings(model, runtimes, seconds, threads, repeat, skip, value, convertHeap, convertMainClass, profileDir);
    }

    public BenchSettings withConvertHeap(String value) {
        return new BenchSettings(model, runtimes, seconds, threads, repeat, skip, torchscript, value, convertMainClass, profileDir);
    }

    public BenchSettings withConvertMainClass(String value) {
        return new BenchSettings(model, runtimes, seconds, threads, repeat, skip, torchscript, convertHeap, value, profileDir);
    }

    public BenchSettings withProfileDir(Path value) {
        return new BenchSettings(model, runtimes, seconds, threads, repeat, skip, torchscript, convertHeap, convertMainClass, value);
    }
}

package dev.htdemucs.validation;

import dev.htdemucs.spi.Plugins;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What {@link Validation#run} checks, and how. Every setting but the plugins has a default: the bundled tiny6
 * model, precisions fp32, fp16, mixed (and auto when installed), runtimes reference, onnxruntime, pytorch and
 * coreml-reference, the four built-in signals, a 40 dB SNR bound for non-fp32 precisions.
 *
 * @param plugins      where every runtime, selector, pass and the coreml emitter come from
 * @param model        the model file; null for the bundled tiny6 model
 * @param precisions   precision selector names; null for {@link Validation#DEFAULT_PRECISIONS} (+ auto if installed)
 * @param runtimes     runtime names to compare; null for {@link Validation#DEFAULT_RUNTIMES}
 * @param reference    the runtime whose fp32 run every other run is compared with
 * @param inputs       songs (WAV) to check on; null or empty for none
 * @param signals      built-in signals ({@link Validation#BUILT_IN_SIGNALS}); null for all four, or none when
 *                     there are songs
 * @param seconds      how much of each song, from its start; null for one training segment
 * @param layers       also compare every encoder, transformer and decoder output at each precision
 * @param minFp16SnrDb the SNR every stem of a non-fp32 precision must reach on non-silent inputs
 * @param torchscript  the inner network as TorchScript for the pytorch runtime; null: the bundled one for tiny6,
 *                     else {@value Validation#TORCHSCRIPT_NEXT_TO_MODEL} next to the model if present
 * @param target       coreml emitter option {@code target} of the converted packages (ios17, ios18)
 * @param threads      threads for each runtime; null for the runtime's own choice
 * @param version      the converter's version, written into the report and the packages
 * @param progress     told each step, one line each
 */
public record ValidationSettings(Plugins plugins, Path model, List<String> precisions, List<String> runtimes,
                                 String reference, List<Path> inputs, List<String> signals, Double seconds,
                                 boolean layers, double minFp16SnrDb, Path torchscript, String target, Integer threads,
                                 String version, Consumer<String> progress) {
    public ValidationSettings {
        Objects.requireNonNull(plugins, "plugins");
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(progress, "progress");
        precisions = precisions == null ? null : List.copyOf(precisions);
        runtimes = runtimes == null ? null : List.copyOf(runtimes);
        inputs = inputs == null ? List.of() : List.copyOf(inputs);
        signals = signals == null ? null : List.copyOf(signals);
        if (seconds != null && !(seconds > 0)) throw new IllegalArgumentException("seconds must be > 0, got " + seconds);
        if (seconds != null && inputs.isEmpty()) throw new IllegalArgumentException("seconds apply to songs; no song given");
        if (!Double.isFinite(minFp16SnrDb)) throw new IllegalArgumentException("the minimum SNR must be a number of dB, got " + minFp16SnrDb);
        if (threads != null && threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (signals != null) {
            for (String s : signals) {
                if (!Validation.BUILT_IN_SIGNALS.contains(s)) {
                    throw new IllegalArgumentException("no built-in signal '" + s + "'; built in: " + String.join(", ", Validation.BUILT_IN_SIGNALS));
                }
            }
        }
    }

    /** The defaults (see the class comment) with these plugins. */
    public static ValidationSettings defaults(Plugins plugins) {
        return new ValidationSettings(plugins, null, null, null, Validation.REFERENCE, null, null, null, false,
                ValidationBounds.DEFAULT_MIN_FP16_SNR_DB, null, "ios17", null, "unknown", line -> {});
    }

    public ValidationSettings withModel(Path file) {
        return new ValidationSettings(plugins, file, precisions, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, target, threads, version, progress);
    }

    public ValidationSettings withPrecisions(List<String> names) {
        return new ValidationSettings(plugins, model, names, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, target, threads, version, progress);
    }

    public ValidationSettings withRuntimes(List<String> names, String referenceRuntime) {
        return new ValidationSettings(plugins, model, precisions, names, referenceRuntime, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, target, threads, version, progress);
    }

    public ValidationSettings withInputs(List<Path> songs, List<String> signalNames, Double songSeconds) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, songs, signalNames, songSeconds,
                layers, minFp16SnrDb, torchscript, target, threads, version, progress);
    }

    public ValidationSettings withLayers(boolean compareLayers) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds,
                compareLayers, minFp16SnrDb, torchscript, target, threads, version, progress);
    }

    public ValidationSettings withMinFp16SnrDb(double db) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds, layers,
                db, torchscript, target, threads, version, progress);
    }

    public ValidationSettings withTorchscript(Path file) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, file, target, threads, version, progress);
    }

    public ValidationSettings withTarget(String coremlTarget) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, coremlTarget, threads, version, progress);
    }

    public ValidationSettings withThreads(Integer n) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, target, n, version, progress);
    }

    public ValidationSettings withVersion(String converterVersion) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, target, threads, converterVersion, progress);
    }

    public ValidationSettings withProgress(Consumer<String> listener) {
        return new ValidationSettings(plugins, model, precisions, runtimes, reference, inputs, signals, seconds, layers,
                minFp16SnrDb, torchscript, target, threads, version, listener);
    }
}

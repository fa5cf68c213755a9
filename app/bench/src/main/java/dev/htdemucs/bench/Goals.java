package dev.htdemucs.bench;

import dev.htdemucs.bench.BenchReport.Conversion;
import dev.htdemucs.bench.BenchReport.Goal;
import dev.htdemucs.bench.BenchReport.ReferenceSegment;
import dev.htdemucs.bench.BenchReport.Separation;
import dev.htdemucs.bench.BenchReport.Spectrogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The project's speed goals for htdemucs_6s, checked against a run's figures. A goal the run did not
 * measure (step skipped or failed, runtime not run) has {@code met = null}; so does every goal when the
 * run measured the tiny6 fallback, whose figures say nothing about the full-size model.
 */
final class Goals {
    static final double CONVERSION_WALL_SECONDS = 3;
    static final long CONVERSION_PEAK_RSS_BYTES = 512L * 1024 * 1024;
    static final double STFT_ISTFT_MS = 20;
    static final double REFERENCE_SEGMENT_SECONDS = 60;
    static final double ONNX_OVER_PYTORCH_SPEEDUP = 1.5;

    private Goals() {}

    static List<Goal> evaluate(boolean fallback, Conversion conversion, Spectrogram stft,
                               ReferenceSegment reference, List<Separation> separation) {
        List<Goal> goals = new ArrayList<>();
        boolean converted = conversion.status() == StepStatus.OK;
        goals.add(goal("conversion wall time", "<= 3 s (child JVM, fp16)",
                converted ? conversion.wallSeconds() : null, " s", v -> v <= CONVERSION_WALL_SECONDS,
                why(conversion.status(), conversion.reason()), fallback));
        Double rssMiB = converted && conversion.peakRssBytes() != null ? conversion.peakRssBytes() / 1048576.0 : null;
        goals.add(goal("conversion peak RSS", "<= 512 MiB",
                rssMiB, " MiB", v -> v * 1048576.0 <= CONVERSION_PEAK_RSS_BYTES,
                converted && rssMiB == null ? "peak RSS could not be read" : why(conversion.status(), conversion.reason()),
                fallback));
        // The goal is one stereo segment there and back (the mix's STFT, one stereo iSTFT); the host's whole
        // per-segment work (iSTFT of every source) is reported beside it in the table, not judged.
        goals.add(goal("STFT + iSTFT, one stereo segment", "<= 20 ms (median)",
                stft.status() == StepStatus.OK ? stft.stftIstftOneSourceMs().median() : null, " ms", v -> v <= STFT_ISTFT_MS,
                why(stft.status(), stft.reason()), fallback));
        goals.add(goal("reference runtime per segment", "<= 60 s (inner network, median)",
                reference.status() == StepStatus.OK ? reference.seconds().median() : null, " s",
                v -> v <= REFERENCE_SEGMENT_SECONDS, why(reference.status(), reference.reason()), fallback));
        goals.add(onnxOverPytorch(separation, fallback));
        return goals;
    }

    private static Goal onnxOverPytorch(List<Separation> separation, boolean fallback) {
        Separation onnx = find(separation, "onnxruntime"), torch = find(separation, RuntimeBenchmark.PYTORCH);
        String target = ">= 1.5x faster than PyTorch CPU (separation, same threads)";
        if (onnx == null || torch == null) {
            return new Goal("onnxruntime vs PyTorch", target, null, null,
                    "not measured: needs separations with both onnxruntime and pytorch (--torchscript FILE);"
                            + " BENCHMARKS.md has a torch 1.13 eager figure measured outside the harness");
        }
        double speedup = torch.wallSeconds() / onnx.wallSeconds();
        String measured = String.format(Locale.ROOT, "%.2fx (onnxruntime RTF %.3f, pytorch RTF %.3f)", speedup, onnx.rtf(), torch.rtf());
        return new Goal("onnxruntime vs PyTorch", target, measured, fallback ? null : speedup >= ONNX_OVER_PYTORCH_SPEEDUP,
                fallback ? BenchModel.FALLBACK_NOTE : null);
    }

    private static Separation find(List<Separation> separation, String runtime) {
        for (Separation s : separation) if (s.runtime().equals(runtime) && s.status() == StepStatus.OK) return s;
        return null;
    }

    private static String why(StepStatus status, String reason) {
        return status == StepStatus.OK ? null : "not measured: step " + status.label() + (reason == null ? "" : " (" + reason + ")");
    }

    private static Goal goal(String name, String target, Double value, String unit,
                             java.util.function.DoublePredicate check, String notMeasured, boolean fallback) {
        if (value == null) return new Goal(name, target, null, null, notMeasured);
        String measured = String.format(Locale.ROOT, "%.2f%s", value, unit);
        return new Goal(name, target, measured, fallback ? null : check.test(value), fallback ? BenchModel.FALLBACK_NOTE : null);
    }
}

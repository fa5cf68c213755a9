package dev.htdemucs.report;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.golden.GoldenSet;
import dev.htdemucs.numerics.NpyArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A realistic validation report without running any model: the tiny6 golden outputs are the reference, and
 * each "runtime" is that reference perturbed the way such a runtime would (exact copy, fp32 rounding-sized
 * noise, fp16 rounding plus fp16-sized noise). Deterministic (seeded).
 */
final class SyntheticReport {

    static final List<String> CASES = List.of("synth_song", "white_noise", "silence");
    static final List<String> RUNS = List.of("pytorch fp32", "onnxruntime fp32", "coreml-reference fp32",
            "coreml-reference fp16");

    private static final Map<String, NpyArray> GOLDEN_CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    final GoldenSet golden = Golden.tiny6();
    private final Map<String, NpyArray> testOutputs = new HashMap<>();

    /** Golden tensors are read once per JVM; nothing here writes into them. */
    private NpyArray npy(String relative) {
        return GOLDEN_CACHE.computeIfAbsent(relative, golden::npy);
    }

    /** The report; {@code model} is shown as given (tests pass hostile names). */
    ValidationReport build(String model, boolean withFailingBound) {
        ValidationReport.Builder report = ValidationReport.builder(model)
                .reference("reference", "fp32")
                .createdBy("htdemucs 0.1.0-SNAPSHOT")
                .version("htdemucs", "0.1.0-SNAPSHOT")
                .version("onnxruntime", "1.29.0")
                .version("libtorch (DJL)", "2.7.1")
                .version("CoreML deployment target", "iOS 17");
        List<String> sources = golden.sources();
        double worstFp32Relative = 0;
        double worstFp16Snr = Double.POSITIVE_INFINITY;
        int nanMetrics = 0;
        for (String caseName : CASES) {
            NpyArray reference = npy(caseName + "/output.npy");
            boolean inner = golden.has(caseName + "/spec_out.npy");
            for (String label : RUNS) {
                String runtime = label.substring(0, label.indexOf(' '));
                String precision = label.substring(label.indexOf(' ') + 1);
                long seed = (caseName + label).hashCode();
                NpyArray test = perturb(reference, runtime, precision, seed);
                testOutputs.put(label + "/" + caseName, test);
                RunResult.Builder run = RunResult.builder(runtime, precision, caseName)
                        .stems(sources, reference, test)
                        .wallTimeSeconds(0.05 + (runtime.length() + precision.length()) * 0.0125);
                if (inner) {
                    for (String output : List.of("spec_out", "wave_out")) {
                        NpyArray innerReference = npy(caseName + "/" + output + ".npy");
                        run.innerOutput(output, innerReference, perturb(innerReference, runtime, precision, seed + 7));
                    }
                }
                RunResult result = run.build();
                report.run(result);
                for (SourceMetrics metrics : result.sources()) {
                    nanMetrics += Double.isNaN(metrics.snrDb()) ? 1 : 0;
                    if (precision.equals("fp32")) {
                        worstFp32Relative = Math.max(worstFp32Relative, metrics.maxAbsRelToPeak());
                    } else if (!caseName.equals("silence")) {
                        worstFp16Snr = Math.min(worstFp16Snr, metrics.snrDb());
                    }
                }
            }
        }
        report.bound(Bound.atMost("fp32 max abs ≤ 1e-4 × peak", worstFp32Relative, 1e-4));
        report.bound(Bound.atLeast("fp16 SNR ≥ 40 dB on every stem of a non-silent input", worstFp16Snr, 40));
        report.bound(Bound.atMost("no NaN in any stem", nanMetrics, 0));
        if (withFailingBound) {
            report.bound(Bound.atLeast("fp16 SNR ≥ 90 dB (too strict on purpose)", worstFp16Snr, 90));
        }

        for (String label : List.of("onnxruntime fp32", "coreml-reference fp16")) {
            LayerDivergence.Builder layers = LayerDivergence.builder(label);
            int index = 0;
            for (String layer : LayerOrder.htdemucs(4)) {
                String file = "layers_white_noise/" + layer + ".npy";
                if (!golden.has(file)) {
                    continue; // the golden set has no transformer activation
                }
                NpyArray activation = npy(file);
                boolean half = label.endsWith("fp16");
                // Errors grow along the network: scale the injected noise with depth.
                NpyArray test = perturbRelative(activation, half, (half ? 2e-4 : 1e-7) * (1 + index), index);
                layers.layer(layer, activation, test);
                index++;
            }
            report.layerDivergence(layers.build());
        }

        WorstStem worst = WorstStem.among(report.runs()).orElseThrow();
        NpyArray reference = npy(worst.run().caseName() + "/output.npy");
        report.errorSpectrogram(ErrorSpectrogram.ofWorstStem(worst, 0, reference,
                testOutputs.get(worst.run().label() + "/" + worst.run().caseName()), golden.sampleRate()));
        return report.build();
    }

    NpyArray testOutput(String label, String caseName) {
        return testOutputs.get(label + "/" + caseName);
    }

    private static NpyArray perturb(NpyArray reference, String runtime, String precision, long seed) {
        return switch (runtime + " " + precision) {
            case "pytorch fp32" -> NpyArray.of(reference.data().clone(), reference.shape());
            case "onnxruntime fp32" -> perturbRelative(reference, false, 1e-7, seed);
            case "coreml-reference fp32" -> perturbRelative(reference, false, 3e-7, seed);
            case "coreml-reference fp16" -> perturbRelative(reference, true, 3e-4, seed);
            default -> throw new IllegalArgumentException(runtime + " " + precision);
        };
    }

    /**
     * Optionally rounds to fp16, then adds Gaussian noise of {@code relativeSigma × peak} (plus 1e-6 absolute
     * for fp16, so silence becomes non-silent as it would through fp16 arithmetic).
     */
    static NpyArray perturbRelative(NpyArray reference, boolean half, double relativeSigma, long seed) {
        float[] data = reference.data();
        double peak = 0;
        for (float v : data) {
            peak = Math.max(peak, Math.abs(v));
        }
        double sigma = relativeSigma * peak + (half ? 1e-6 : 0);
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            float v = half ? roundToHalf(data[i]) : data[i];
            out[i] = (float) (v + sigma * random.nextGaussian());
        }
        return NpyArray.of(out, reference.shape());
    }

    /** Nearest fp16 value (ties to even), returned as float; subnormals on the 2⁻²⁴ grid. */
    static float roundToHalf(float value) {
        float magnitude = Math.abs(value);
        if (magnitude < 6.103515625e-05f) {
            return Math.round(value / 5.9604645e-8f) * 5.9604645e-8f;
        }
        int bits = Float.floatToRawIntBits(value);
        int lsb = (bits >> 13) & 1;
        bits = (bits + 0x0FFF + lsb) & ~0x1FFF;
        return Float.intBitsToFloat(bits);
    }
}

package dev.htdemucs.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@code htdemucs validate} found out: does the converted model still sound like the original?
 *
 * <p>Rendered by {@link ConsoleTable}, {@link JsonReport} and {@link HtmlReport}. Immutable; build it with
 * {@link #builder(String)}.
 *
 * @param model              model name as the user knows it (usually the checkpoint's file name)
 * @param referenceRuntime   runtime every run is compared against, e.g. {@code reference} or {@code pytorch}
 * @param referencePrecision precision of the reference run, e.g. {@code fp32}
 * @param createdBy          tool and version that made the report, e.g. {@code htdemucs 0.1.0}
 * @param versions           versions worth knowing when reading the numbers (runtimes, deployment target…),
 *                           in display order
 * @param runs               every compared run
 * @param layerDivergences   per-layer divergence series ({@code --layers}); empty when not measured
 * @param errorSpectrogram   error spectrogram of the worst stem; {@code null} when not computed
 * @param bounds             the acceptance bounds; the report passes when all hold
 */
@JsonIgnoreProperties(value = "passed", allowGetters = true)
public record ValidationReport(String model, String referenceRuntime, String referencePrecision, String createdBy,
                               Map<String, String> versions, List<RunResult> runs,
                               List<LayerDivergence> layerDivergences, ErrorSpectrogram errorSpectrogram,
                               List<Bound> bounds) {

    public ValidationReport {
        Objects.requireNonNull(model, "a validation report needs model");
        Objects.requireNonNull(referenceRuntime, "a validation report needs referenceRuntime");
        Objects.requireNonNull(referencePrecision, "a validation report needs referencePrecision");
        Objects.requireNonNull(createdBy, "a validation report needs createdBy");
        versions = versions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(versions));
        runs = runs == null ? List.of() : List.copyOf(runs);
        layerDivergences = layerDivergences == null ? List.of() : List.copyOf(layerDivergences);
        bounds = bounds == null ? List.of() : List.copyOf(bounds);
    }

    /** True when every bound holds (also when there are none); {@code validate} exits 1 otherwise. */
    @JsonProperty("passed")
    public boolean passed() {
        return bounds.stream().allMatch(Bound::holds);
    }

    /** Number of bounds that hold. */
    public long boundsHeld() {
        return bounds.stream().filter(Bound::holds).count();
    }

    /** "runtime precision" of the reference run, e.g. {@code reference fp32}. */
    public String referenceLabel() {
        return referenceRuntime + " " + referencePrecision;
    }

    /** The error spectrogram when one was computed. */
    public Optional<ErrorSpectrogram> worstStemError() {
        return Optional.ofNullable(errorSpectrogram);
    }

    /** The stem with the lowest SNR over all runs. */
    public Optional<WorstStem> worstStem() {
        return WorstStem.among(runs);
    }

    public static Builder builder(String model) {
        return new Builder(model);
    }

    public static final class Builder {
        private final String model;
        private String referenceRuntime = "reference";
        private String referencePrecision = "fp32";
        private String createdBy = "htdemucs";
        private final Map<String, String> versions = new LinkedHashMap<>();
        private final List<RunResult> runs = new ArrayList<>();
        private final List<LayerDivergence> layerDivergences = new ArrayList<>();
        private ErrorSpectrogram errorSpectrogram;
        private final List<Bound> bounds = new ArrayList<>();

        private Builder(String model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** The run every other run is compared with (default {@code reference fp32}). */
        public Builder reference(String runtime, String precision) {
            this.referenceRuntime = Objects.requireNonNull(runtime, "runtime");
            this.referencePrecision = Objects.requireNonNull(precision, "precision");
            return this;
        }

        public Builder createdBy(String createdBy) {
            this.createdBy = Objects.requireNonNull(createdBy, "createdBy");
            return this;
        }

        /** Adds (or replaces) one entry of {@link ValidationReport#versions()}, e.g. {@code ("onnxruntime", "1.29.0")}. */
        public Builder version(String component, String version) {
            versions.put(Objects.requireNonNull(component, "component"), Objects.requireNonNull(version, "version"));
            return this;
        }

        public Builder run(RunResult run) {
            runs.add(Objects.requireNonNull(run, "run"));
            return this;
        }

        public Builder layerDivergence(LayerDivergence divergence) {
            layerDivergences.add(Objects.requireNonNull(divergence, "divergence"));
            return this;
        }

        public Builder errorSpectrogram(ErrorSpectrogram spectrogram) {
            this.errorSpectrogram = spectrogram;
            return this;
        }

        public Builder bound(Bound bound) {
            bounds.add(Objects.requireNonNull(bound, "bound"));
            return this;
        }

        /** The runs added so far, e.g. to derive bounds from them before {@link #build()}. */
        public List<RunResult> runs() {
            return List.copyOf(runs);
        }

        public ValidationReport build() {
            return new ValidationReport(model, referenceRuntime, referencePrecision, createdBy, versions, runs,
                    layerDivergences, errorSpectrogram, bounds);
        }
    }
}

package dev.htdemucs.report;

import dev.htdemucs.numerics.Comparison;
import dev.htdemucs.numerics.Metrics;
import dev.htdemucs.numerics.NpyArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One runtime at one precision on one input, compared with the reference run on the same input.
 *
 * @param runtime         runtime plugin name, e.g. {@code onnxruntime}
 * @param precision       precision name, e.g. {@code fp16}
 * @param caseName        input name: a built-in signal ({@code silence}, {@code sine_440hz}, {@code white_noise},
 *                        {@code synth_song}) or the file name of the user's song
 * @param sources         one entry per stem, in model source order
 * @param innerOutputs    metrics of the inner outputs ({@code spec_out}, {@code wave_out}); empty when the run
 *                        only produced stems
 * @param wallTimeSeconds wall-clock time of the run; NaN when not measured
 */
public record RunResult(String runtime, String precision, String caseName, List<SourceMetrics> sources,
                        List<OutputMetrics> innerOutputs, double wallTimeSeconds) {

    /** Orders stems from worst to best: NaN first (it never passes anything), then ascending SNR. */
    static final Comparator<Double> WORST_SNR_FIRST = (a, b) -> {
        boolean aNaN = Double.isNaN(a);
        boolean bNaN = Double.isNaN(b);
        if (aNaN || bNaN) {
            return aNaN == bNaN ? 0 : aNaN ? -1 : 1;
        }
        return Double.compare(a, b);
    };

    public RunResult {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(caseName, "caseName");
        sources = sources == null ? List.of() : List.copyOf(sources);
        innerOutputs = innerOutputs == null ? List.of() : List.copyOf(innerOutputs);
    }

    /** "runtime precision", e.g. {@code onnxruntime fp16}: the series name in charts. */
    public String label() {
        return runtime + " " + precision;
    }

    /** The stem with the lowest SNR (NaN counts as lowest); empty when the run has no stems. */
    public Optional<SourceMetrics> worstSource() {
        return sources.stream().min(Comparator.comparing(SourceMetrics::snrDb, WORST_SNR_FIRST));
    }

    /** Position of {@code source} in {@link #sources()}, i.e. its index on the source axis of the output. */
    public int sourceIndex(String source) {
        for (int i = 0; i < sources.size(); i++) {
            if (sources.get(i).source().equals(source)) {
                return i;
            }
        }
        throw new IllegalArgumentException("run " + label() + " on " + caseName + " has no source '" + source
                + "'; it has " + sources.stream().map(SourceMetrics::source).toList());
    }

    public static Builder builder(String runtime, String precision, String caseName) {
        return new Builder(runtime, precision, caseName);
    }

    /** Collects metrics computed from reference/test arrays with {@link Metrics}. */
    public static final class Builder {
        private final String runtime;
        private final String precision;
        private final String caseName;
        private final List<SourceMetrics> sources = new ArrayList<>();
        private final List<OutputMetrics> innerOutputs = new ArrayList<>();
        private double wallTimeSeconds = Double.NaN;

        private Builder(String runtime, String precision, String caseName) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.precision = Objects.requireNonNull(precision, "precision");
            this.caseName = Objects.requireNonNull(caseName, "caseName");
        }

        /**
         * Adds one {@link SourceMetrics} per source of a separated output {@code [1, S, C, L]} (source axis 1).
         *
         * @param sourceNames the model's sources in order; their count must equal S
         */
        public Builder stems(List<String> sourceNames, NpyArray reference, NpyArray test) {
            return stems(sourceNames, reference, test, 1);
        }

        /** As {@link #stems(List, NpyArray, NpyArray)} with the sources along {@code sourceAxis}. */
        public Builder stems(List<String> sourceNames, NpyArray reference, NpyArray test, int sourceAxis) {
            Objects.requireNonNull(sourceNames, "sourceNames");
            Objects.requireNonNull(reference, "reference");
            Objects.requireNonNull(test, "test");
            if (sourceAxis < 0 || sourceAxis >= reference.rank()
                    || reference.dim(sourceAxis) != sourceNames.size()) {
                throw new IllegalArgumentException("run " + runtime + " " + precision + " on " + caseName + ": "
                        + sourceNames.size() + " source names " + sourceNames + " but the reference output has shape "
                        + Arrays.toString(reference.shape()) + " (source axis " + sourceAxis + ")");
            }
            List<Comparison> perSource;
            try {
                perSource = Metrics.perSource(reference, test, sourceAxis);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("run " + runtime + " " + precision + " on " + caseName + ": "
                        + e.getMessage(), e);
            }
            for (int s = 0; s < perSource.size(); s++) {
                sources.add(SourceMetrics.of(sourceNames.get(s), perSource.get(s)));
            }
            return this;
        }

        /** Adds one stem from its samples (both arrays in the same layout). */
        public Builder source(String name, float[] reference, float[] test) {
            sources.add(SourceMetrics.compare(name, reference, test));
            return this;
        }

        public Builder source(SourceMetrics metrics) {
            sources.add(Objects.requireNonNull(metrics, "metrics"));
            return this;
        }

        /** Adds the metrics of a whole inner output such as {@code spec_out} or {@code wave_out}. */
        public Builder innerOutput(String name, NpyArray reference, NpyArray test) {
            innerOutputs.add(OutputMetrics.compare(name, reference, test));
            return this;
        }

        public Builder innerOutput(OutputMetrics metrics) {
            innerOutputs.add(Objects.requireNonNull(metrics, "metrics"));
            return this;
        }

        public Builder wallTimeSeconds(double seconds) {
            this.wallTimeSeconds = seconds;
            return this;
        }

        /** Convenience for {@code System.nanoTime()} differences. */
        public Builder wallTimeNanos(long nanos) {
            return wallTimeSeconds(nanos / 1e9);
        }

        public RunResult build() {
            return new RunResult(runtime, precision, caseName, sources, innerOutputs, wallTimeSeconds);
        }
    }
}

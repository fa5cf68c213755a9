package dev.htdemucs.report;

import java.util.Collection;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * The stem where a conversion hurts most: the one whose error spectrogram the report shows and whose SNR the
 * summary quotes. {@link #sourceIndex()} locates it on the source axis of the run's output.
 *
 * <p>Ranking, worst first: NaN (a broken output), then finite SNRs from lowest up, then −∞, then +∞. An SNR of
 * −∞ only arises when the reference stem is silent (any error at all is infinitely larger than no signal), as
 * for the {@code silence} input at fp16; its error is usually far below audibility, and its spectrogram would
 * only show rounding noise, so a stem with a finite SNR is the more telling one.
 */
public record WorstStem(RunResult run, SourceMetrics source) {

    static final Comparator<Double> MOST_TELLING_FIRST = Comparator.comparingInt(WorstStem::rank)
            .thenComparing(Comparator.naturalOrder());

    public WorstStem {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(source, "source");
    }

    /** Empty when no run has a stem. Ties keep the first run and source in iteration order. */
    public static Optional<WorstStem> among(Collection<RunResult> runs) {
        WorstStem worst = null;
        for (RunResult run : runs) {
            for (SourceMetrics candidate : run.sources()) {
                if (worst == null || MOST_TELLING_FIRST.compare(candidate.snrDb(), worst.source.snrDb()) < 0) {
                    worst = new WorstStem(run, candidate);
                }
            }
        }
        return Optional.ofNullable(worst);
    }

    public int sourceIndex() {
        return run.sourceIndex(source.source());
    }

    private static int rank(double snrDb) {
        if (Double.isNaN(snrDb)) {
            return 0;
        }
        if (Double.isFinite(snrDb)) {
            return 1;
        }
        return snrDb < 0 ? 2 : 3;
    }
}

package dev.htdemucs.bench;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** The measurements of a bench run, by the name {@code --skip} takes. */
public enum BenchStep {
    /** {@code htdemucs convert} in a child JVM: wall time and peak RSS. */
    CONVERSION("conversion"),
    /** Host-side STFT and iSTFT of one segment. */
    STFT("stft"),
    /** The reference runtime's inner network on one full segment. */
    REFERENCE("reference"),
    /** Separating the whole input with each runtime: the real-time factor. */
    SEPARATION("separation");

    private final String label;

    BenchStep(String label) { this.label = label; }

    public String label() { return label; }

    /** Parses step names as given to {@code --skip}; an unknown name is an error that lists the known ones. */
    public static Set<BenchStep> parse(List<String> names) {
        Set<BenchStep> steps = EnumSet.noneOf(BenchStep.class);
        if (names == null) return steps;
        for (String raw : names) {
            String name = raw.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) continue;
            BenchStep step = Arrays.stream(values()).filter(s -> s.label.equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown bench step '" + raw + "'; steps are "
                            + Arrays.stream(values()).map(BenchStep::label).collect(Collectors.joining(", "))));
            steps.add(step);
        }
        return steps;
    }
}

package dev.htdemucs.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Colours of the series ("runtime precision") of one report, assigned in order of first appearance so the
 * same run has the same colour in every chart. A colour-blind-friendly categorical palette (Tableau 10),
 * repeated after ten series.
 */
final class SeriesPalette {

    private static final List<String> COLOURS = List.of("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac");

    private final Map<String, String> assigned = new LinkedHashMap<>();

    String colour(String series) {
        return assigned.computeIfAbsent(series, s -> COLOURS.get(assigned.size() % COLOURS.size()));
    }
}

package dev.htdemucs.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Grouped bar chart of the per-source SNR of every run on one input: one group per source, one bar per
 * "runtime precision". SNR of identical stems is +∞: such a bar reaches past the axis to a dashed "∞" line,
 * with a break mark and an "∞" label. A NaN or −∞ SNR draws no bar but a red "NaN" / "−∞" mark.
 */
final class SnrBarChart {

    static final double WIDTH = 1040;
    private static final double LEFT = 64;
    private static final double RIGHT = 16;
    private static final double INFINITY_LINE = 50;
    private static final double AXIS_TOP = 76;
    private static final double AXIS_BOTTOM = AXIS_TOP + 240;
    /** Value labels on top of bars only when the bars are wide enough to hold them. */
    private static final double MIN_LABELLED_BAR_WIDTH = 34;

    private SnrBarChart() {
    }

    static String render(String caseName, List<RunResult> runsOfCase, String referenceLabel, SeriesPalette palette) {
        List<String> sources = new ArrayList<>(new LinkedHashSet<>(runsOfCase.stream()
                .flatMap(run -> run.sources().stream().map(SourceMetrics::source)).toList()));
        Map<String, RunResult> bySeries = new LinkedHashMap<>();
        for (RunResult run : runsOfCase) {
            bySeries.putIfAbsent(run.label(), run);
        }
        List<String> series = List.copyOf(bySeries.keySet());

        double min = 0;
        double max = 0;
        boolean anyFinite = false;
        boolean anyInfinite = false;
        for (RunResult run : bySeries.values()) {
            for (SourceMetrics source : run.sources()) {
                double snr = source.snrDb();
                if (Double.isFinite(snr)) {
                    min = Math.min(min, snr);
                    max = Math.max(max, snr);
                    anyFinite = true;
                } else if (snr == Double.POSITIVE_INFINITY) {
                    anyInfinite = true;
                }
            }
        }
        if (!anyFinite) {
            max = 100; // only identical or broken stems: any scale will do, keep a familiar one
        }
        LinearAxis axis = LinearAxis.covering(min, max, 6, AXIS_BOTTOM, AXIS_TOP);

        int legendRows = ChartLegend.rows(series, LEFT, WIDTH - RIGHT);
        double legendTop = AXIS_BOTTOM + 36;
        double height = legendTop + legendRows * ChartLegend.ROW_HEIGHT + 8;
        SvgCanvas svg = new SvgCanvas("chart snr-chart", WIDTH, height,
                "SNR per source on " + caseName + " vs " + referenceLabel);
        svg.text("chart-title", LEFT, 22, "start", "SNR per source — input " + caseName + " (vs " + referenceLabel
                + "; higher is better)");
        svg.text("axis-title", 16, (AXIS_TOP + AXIS_BOTTOM) / 2, "middle", -90, "SNR (dB)");

        for (double tick : axis.ticks()) {
            double y = axis.pixel(tick);
            svg.line("grid", LEFT, y, WIDTH - RIGHT, y);
            svg.text("tick", LEFT - 6, y + 4, "end", axis.label(tick));
        }
        if (anyInfinite) {
            svg.line("infinity-line", LEFT, INFINITY_LINE, WIDTH - RIGHT, INFINITY_LINE);
            svg.text("tick infinity", LEFT - 6, INFINITY_LINE + 5, "end", "∞");
        }
        double zeroY = axis.pixel(0);

        double groupWidth = (WIDTH - LEFT - RIGHT) / Math.max(1, sources.size());
        double barSlot = groupWidth * 0.8 / Math.max(1, series.size());
        double barWidth = barSlot * 0.88;
        for (int g = 0; g < sources.size(); g++) {
            String source = sources.get(g);
            double groupLeft = LEFT + g * groupWidth + groupWidth * 0.1;
            for (int s = 0; s < series.size(); s++) {
                String name = series.get(s);
                Optional<SourceMetrics> metrics = bySeries.get(name).sources().stream()
                        .filter(m -> m.source().equals(source)).findFirst();
                if (metrics.isEmpty()) {
                    continue;
                }
                double snr = metrics.get().snrDb();
                double x = groupLeft + s * barSlot + (barSlot - barWidth) / 2;
                double centre = x + barWidth / 2;
                String tooltip = name + " · " + source + ": SNR " + MetricFormat.decibels(snr) + " dB, SI-SDR "
                        + MetricFormat.decibels(metrics.get().siSdrDb()) + " dB";
                String colour = palette.colour(name);
                if (Double.isFinite(snr)) {
                    double y = axis.pixel(snr);
                    svg.rect("bar", x, Math.min(y, zeroY), barWidth, Math.abs(zeroY - y), colour, tooltip);
                    if (barWidth >= MIN_LABELLED_BAR_WIDTH) {
                        double labelY = snr >= 0 ? y - 4 : y + 12;
                        svg.text("value", centre, labelY, "middle", MetricFormat.decibels(snr));
                    }
                } else if (snr == Double.POSITIVE_INFINITY) {
                    svg.rect("bar infinite", x, INFINITY_LINE, barWidth, zeroY - INFINITY_LINE, colour, tooltip);
                    double breakY = (INFINITY_LINE + AXIS_TOP) / 2;
                    svg.path("axis-break", "M" + SvgCanvas.px(x - 1) + " " + SvgCanvas.px(breakY + 3) + " L"
                            + SvgCanvas.px(x + barWidth + 1) + " " + SvgCanvas.px(breakY - 3), null);
                    svg.text("value infinity", centre, INFINITY_LINE - 5, "middle", "∞");
                } else {
                    String mark = Double.isNaN(snr) ? "NaN" : "−∞";
                    svg.text("nonfinite", centre, zeroY - 5, "middle", mark);
                }
            }
            svg.text("group-label", LEFT + g * groupWidth + groupWidth / 2, AXIS_BOTTOM + 20, "middle", source);
        }
        svg.line("zero", LEFT, zeroY, WIDTH - RIGHT, zeroY);
        svg.line("axis", LEFT, AXIS_TOP - (anyInfinite ? AXIS_TOP - INFINITY_LINE : 0), LEFT, AXIS_BOTTOM);
        ChartLegend.draw(svg, series, palette, LEFT, WIDTH - RIGHT, legendTop);
        return svg.finish();
    }
}

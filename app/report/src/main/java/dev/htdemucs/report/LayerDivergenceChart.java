package dev.htdemucs.report;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Line chart of the SNR of each layer's activation against the reference, one line per "runtime precision":
 * where along the network a difference appears and how it grows. Layers go left to right in the order the
 * series list them (the first series' order, then layers only later series have). An SNR of +∞ (identical
 * activation) sits on a dashed "∞" line above the axis; a NaN or −∞ breaks the line and shows a red mark.
 */
final class LayerDivergenceChart {

    static final double WIDTH = 1040;
    private static final double LEFT = 64;
    private static final double RIGHT = 16;
    private static final double INFINITY_LINE = 50;
    private static final double AXIS_TOP = 76;
    private static final double AXIS_BOTTOM = AXIS_TOP + 260;
    private static final double POINT_RADIUS = 3.5;

    private LayerDivergenceChart() {
    }

    static String render(List<LayerDivergence> divergences, String referenceLabel, SeriesPalette palette) {
        List<String> layers = new ArrayList<>(new LinkedHashSet<>(divergences.stream()
                .flatMap(d -> d.layers().stream().map(LayerPoint::layer)).toList()));
        List<String> series = divergences.stream().map(LayerDivergence::label).distinct().toList();

        double min = 0;
        double max = 0;
        boolean anyFinite = false;
        boolean anyInfinite = false;
        for (LayerDivergence divergence : divergences) {
            for (LayerPoint point : divergence.layers()) {
                if (Double.isFinite(point.snrDb())) {
                    min = Math.min(min, point.snrDb());
                    max = Math.max(max, point.snrDb());
                    anyFinite = true;
                } else if (point.snrDb() == Double.POSITIVE_INFINITY) {
                    anyInfinite = true;
                }
            }
        }
        if (!anyFinite) {
            max = 100;
        }
        LinearAxis axis = LinearAxis.covering(min, max, 6, AXIS_BOTTOM, AXIS_TOP);

        int legendRows = ChartLegend.rows(series, LEFT, WIDTH - RIGHT);
        double legendTop = AXIS_BOTTOM + 84;
        double height = legendTop + legendRows * ChartLegend.ROW_HEIGHT + 8;
        SvgCanvas svg = new SvgCanvas("chart layer-chart", WIDTH, height,
                "SNR per layer vs " + referenceLabel);
        svg.text("chart-title", LEFT, 22, "start", "SNR per layer (vs " + referenceLabel
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

        double slot = (WIDTH - LEFT - RIGHT) / Math.max(1, layers.size());
        for (int i = 0; i < layers.size(); i++) {
            double x = LEFT + (i + 0.5) * slot;
            svg.line("layer-tick", x, AXIS_BOTTOM, x, AXIS_BOTTOM + 4);
            svg.text("layer-label", x + 3, AXIS_BOTTOM + 14, "end", -40, layers.get(i));
        }
        svg.line("axis", LEFT, anyInfinite ? INFINITY_LINE : AXIS_TOP, LEFT, AXIS_BOTTOM);
        svg.line("axis", LEFT, AXIS_BOTTOM, WIDTH - RIGHT, AXIS_BOTTOM);

        for (LayerDivergence divergence : divergences) {
            String colour = palette.colour(divergence.label());
            StringBuilder path = new StringBuilder();
            boolean penDown = false;
            List<Runnable> points = new ArrayList<>();
            for (LayerPoint point : divergence.layers()) {
                double x = LEFT + (layers.indexOf(point.layer()) + 0.5) * slot;
                double snr = point.snrDb();
                String tooltip = divergence.label() + " · " + point.layer() + ": SNR " + MetricFormat.decibels(snr)
                        + " dB, max/peak " + MetricFormat.amplitude(point.maxAbsRelToPeak());
                if (Double.isFinite(snr) || snr == Double.POSITIVE_INFINITY) {
                    double y = Double.isFinite(snr) ? axis.pixel(snr) : INFINITY_LINE;
                    path.append(penDown ? " L" : (path.length() == 0 ? "M" : " M")).append(SvgCanvas.px(x))
                            .append(' ').append(SvgCanvas.px(y));
                    penDown = true;
                    String cssClass = Double.isFinite(snr) ? "point" : "point infinite";
                    points.add(() -> svg.circle(cssClass, x, y, POINT_RADIUS, colour, tooltip));
                } else {
                    penDown = false;
                    String mark = Double.isNaN(snr) ? "NaN" : "−∞";
                    points.add(() -> svg.text("nonfinite", x, AXIS_BOTTOM - 6, "middle", mark));
                }
            }
            if (path.length() > 0) {
                svg.path("line", path.toString(), colour);
            }
            points.forEach(Runnable::run); // points over lines, so every tooltip stays reachable
        }
        ChartLegend.draw(svg, series, palette, LEFT, WIDTH - RIGHT, legendTop);
        return svg.finish();
    }
}

package dev.htdemucs.report;

import java.util.List;

/** A row-wrapping legend of coloured swatches under a chart. */
final class ChartLegend {

    static final double ROW_HEIGHT = 20;
    private static final double SWATCH = 12;
    /** Rough width of one character at the legend's 12 px font; only used to wrap rows. */
    private static final double CHARACTER_WIDTH = 7.2;

    private ChartLegend() {
    }

    /** Rows the legend needs between {@code left} and {@code right}. */
    static int rows(List<String> series, double left, double right) {
        return layout(null, series, null, left, right, 0);
    }

    /** Draws the legend with its first row's baseline region starting at {@code top}; returns the row count. */
    static int draw(SvgCanvas svg, List<String> series, SeriesPalette palette, double left, double right,
                    double top) {
        return layout(svg, series, palette, left, right, top);
    }

    private static int layout(SvgCanvas svg, List<String> series, SeriesPalette palette, double left, double right,
                              double top) {
        if (series.isEmpty()) {
            return 0;
        }
        double x = left;
        int row = 0;
        for (String name : series) {
            double width = SWATCH + 6 + CHARACTER_WIDTH * name.length() + 22;
            if (x > left && x + width > right) {
                row++;
                x = left;
            }
            if (svg != null) {
                double y = top + row * ROW_HEIGHT;
                svg.rect("swatch", x, y, SWATCH, SWATCH, palette.colour(name), null);
                svg.text("legend", x + SWATCH + 6, y + SWATCH - 1, "start", name);
            }
            x += width;
        }
        return row + 1;
    }
}

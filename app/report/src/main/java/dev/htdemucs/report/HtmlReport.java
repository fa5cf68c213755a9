package dev.htdemucs.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code validate --report}: a {@link ValidationReport} as one self-contained HTML file that renders offline.
 *
 * <p>No scripts, no external style sheets, fonts or images, no links: charts are inline SVG, the spectrogram
 * a PNG {@code data:} URI, styles one {@code <style>} element. The only URI in the file is the SVG
 * namespace. The page is also well-formed XML, so tools can parse it without an HTML parser.
 *
 * <p>Contents: a summary (model, reference, versions, PASS/FAIL), the bounds, per-input SNR bar charts,
 * the per-layer divergence chart (when measured), the error spectrogram of the worst stem (when computed),
 * then the metric tables — cell for cell the text {@link ConsoleTable} prints (both come from
 * {@link ReportTables}).
 */
public final class HtmlReport {

    private HtmlReport() {
    }

    public static void write(ValidationReport report, Path file) throws IOException {
        ReportFiles.writeAtomically(file, render(report));
    }

    public static String render(ValidationReport report) {
        SeriesPalette palette = new SeriesPalette();
        report.runs().forEach(run -> palette.colour(run.label()));
        report.layerDivergences().forEach(divergence -> palette.colour(divergence.label()));

        StringBuilder html = new StringBuilder(64 * 1024);
        String verdict = report.passed() ? "PASS" : "FAIL";
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(Markup.escape(verdict + " · validation of " + report.model()))
                .append("</title>\n<style>\n").append(STYLE).append("</style>\n</head>\n<body>\n<main>\n");
        appendSummary(html, report);

        List<TextTable> tables = ReportTables.of(report);
        TextTable bounds = tables.get(tables.size() - 1);
        html.append("<section id=\"bounds\">\n<h2>Bounds</h2>\n");
        appendTable(html, bounds);
        html.append("</section>\n");

        appendSnrCharts(html, report, palette);
        if (!report.layerDivergences().isEmpty()) {
            html.append("<section id=\"layers\">\n<h2>Divergence per layer</h2>\n<p class=\"note\">SNR of each ")
                    .append("layer's activation against the same layer of the reference run. A line falling ")
                    .append("steeply at one layer points at the operation that loses precision.</p>\n")
                    .append(LayerDivergenceChart.render(report.layerDivergences(), report.referenceLabel(), palette))
                    .append("</section>\n");
        }
        report.worstStemError().ifPresent(spectrogram -> appendSpectrogram(html, report, spectrogram));

        html.append("<section id=\"tables\">\n<h2>Metrics</h2>\n<p class=\"note\">max abs = max |ref − test|; ")
                .append("max/peak = max abs / max |ref|; SNR = 10·log10(Σref² / Σ(ref − test)²); SI-SDR is the ")
                .append("scale-invariant SDR. inf means bit-identical; nan means the test output holds NaN.</p>\n");
        for (TextTable table : tables.subList(0, tables.size() - 1)) {
            html.append("<h3>").append(Markup.escape(table.title())).append("</h3>\n");
            appendTable(html, table);
        }
        html.append("</section>\n<footer>Made by ").append(Markup.escape(report.createdBy()))
                .append(". This page is self-contained: no scripts, no network.</footer>\n</main>\n</body>\n</html>\n");
        return html.toString();
    }

    private static void appendSummary(StringBuilder html, ValidationReport report) {
        boolean passed = report.passed();
        html.append("<header class=\"summary\">\n<div class=\"verdict ").append(passed ? "pass" : "fail").append("\">")
                .append(passed ? "PASS" : "FAIL").append("</div>\n<div>\n<h1>Does <span class=\"model\">")
                .append(Markup.escape(report.model())).append("</span> still sound like the original?</h1>\n")
                .append("<p class=\"lead\">").append(Markup.escape(ConsoleTable.verdict(report))).append(". ")
                .append(Markup.escape(leadSentence(report))).append("</p>\n</div>\n</header>\n");
        html.append("<section id=\"about\">\n<dl class=\"facts\">\n");
        fact(html, "model", report.model());
        fact(html, "reference", report.referenceLabel());
        fact(html, "runs", report.runs().size() + " (" + String.join(", ", distinct(report.runs().stream()
                .map(RunResult::label).toList())) + ")");
        fact(html, "inputs", String.join(", ", distinct(report.runs().stream().map(RunResult::caseName).toList())));
        fact(html, "made by", report.createdBy());
        for (Map.Entry<String, String> version : report.versions().entrySet()) {
            fact(html, version.getKey(), version.getValue());
        }
        html.append("</dl>\n</section>\n");
    }

    private static String leadSentence(ValidationReport report) {
        return report.worstStem().map(worst -> {
            double snr = worst.source().snrDb();
            String where = worst.source().source() + " of " + worst.run().label() + " on " + worst.run().caseName();
            if (Double.isNaN(snr)) {
                return "Worst stem: " + where + ", whose output holds NaN.";
            }
            if (snr == Double.POSITIVE_INFINITY) {
                return "Every stem is bit-identical to the reference.";
            }
            if (snr == Double.NEGATIVE_INFINITY) {
                return "Stems differ only where the reference is silent (SNR -inf), e.g. " + where + ".";
            }
            return "Worst stem: " + where + " at " + MetricFormat.decibels(snr) + " dB SNR.";
        }).orElse("No stems were compared.");
    }

    private static void fact(StringBuilder html, String name, String value) {
        html.append("<dt>").append(Markup.escape(name)).append("</dt><dd>").append(Markup.escape(value))
                .append("</dd>\n");
    }

    private static List<String> distinct(List<String> values) {
        return values.stream().distinct().toList();
    }

    private static void appendSnrCharts(StringBuilder html, ValidationReport report, SeriesPalette palette) {
        Map<String, List<RunResult>> byCase = new LinkedHashMap<>();
        for (RunResult run : report.runs()) {
            if (!run.sources().isEmpty()) {
                byCase.computeIfAbsent(run.caseName(), c -> new ArrayList<>()).add(run);
            }
        }
        if (byCase.isEmpty()) {
            return;
        }
        html.append("<section id=\"snr\">\n<h2>SNR per source</h2>\n<p class=\"note\">One chart per input, one ")
                .append("bar per runtime and precision. Bars reaching the dashed ∞ line are bit-identical to the ")
                .append("reference; hover a bar for its exact numbers.</p>\n");
        for (Map.Entry<String, List<RunResult>> entry : byCase.entrySet()) {
            html.append(SnrBarChart.render(entry.getKey(), entry.getValue(), report.referenceLabel(), palette));
        }
        html.append("</section>\n");
    }

    private static void appendSpectrogram(StringBuilder html, ValidationReport report, ErrorSpectrogram spectrogram) {
        html.append("<section id=\"spectrogram\">\n<h2>Error spectrogram of the worst stem</h2>\n<p class=\"note\">")
                .append(Markup.escape(String.format(java.util.Locale.ROOT, "Magnitude STFT of test − reference "
                                + "(Hann window %d, hop %d, %d Hz), in dB relative to a full-scale sine; colours span "
                                + "the top %.0f dB. Each cell shows the loudest of the frames and bins it covers.",
                        spectrogram.fftSize(), spectrogram.hop(), spectrogram.sampleRate(),
                        SpectrogramHeatmap.DYNAMIC_RANGE_DB)));
        if (spectrogram.peakDb() <= ErrorSpectrogram.FLOOR_DB) {
            html.append(" Test and reference are identical for this stem: there is no error to show.");
        }
        html.append("</p>\n").append(SpectrogramHeatmap.render(spectrogram, report.referenceLabel()))
                .append("</section>\n");
    }

    private static void appendTable(StringBuilder html, TextTable table) {
        html.append("<table class=\"metrics\" id=\"table-").append(Markup.escape(table.id())).append("\">\n<thead><tr>");
        for (TextTable.Column column : table.columns()) {
            html.append("<th").append(column.numeric() ? " class=\"num\"" : "").append('>')
                    .append(Markup.escape(column.header())).append("</th>");
        }
        html.append("</tr></thead>\n<tbody>\n");
        if (table.rows().isEmpty()) {
            html.append("<tr><td class=\"empty\" colspan=\"").append(table.columns().size())
                    .append("\">none</td></tr>\n");
        }
        boolean grouped = table.id().equals("stems") || table.id().equals("inner-outputs");
        List<String> previous = null;
        for (List<String> row : table.rows()) {
            // A rule between runs (runtime, precision, case) makes the long per-source tables scannable.
            boolean groupStart = grouped && previous != null && !row.subList(0, 3).equals(previous.subList(0, 3));
            previous = row;
            html.append(groupStart ? "<tr class=\"group-start\">" : "<tr>");
            for (int c = 0; c < row.size(); c++) {
                String cell = row.get(c);
                String cssClass = table.columns().get(c).numeric() ? "num" : cellClass(cell);
                html.append("<td").append(cssClass == null ? "" : " class=\"" + cssClass + "\"").append('>')
                        .append(Markup.escape(cell)).append("</td>");
            }
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n");
    }

    private static String cellClass(String cell) {
        return switch (cell) {
            case "PASS" -> "pass";
            case "FAIL" -> "fail";
            default -> null;
        };
    }

    private static final String STYLE = """
            :root { color-scheme: light; }
            body { margin: 0; background: #f4f5f7; color: #1f2430;
                   font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
            main { max-width: 1100px; margin: 0 auto; padding: 20px 24px 40px; }
            header.summary { display: flex; gap: 20px; align-items: center; margin: 8px 0 16px; }
            h1 { font-size: 22px; margin: 0 0 4px; font-weight: 650; }
            h2 { font-size: 17px; margin: 0 0 10px; }
            h3 { font-size: 14px; margin: 18px 0 6px; color: #3b4252; }
            .model { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
                     background: #e8eaf0; padding: 1px 6px; border-radius: 4px; word-break: break-all; }
            .lead { margin: 0; color: #434a5a; }
            .verdict { font-size: 26px; font-weight: 800; letter-spacing: 1px; padding: 10px 20px; border-radius: 8px; }
            .verdict.pass { background: #e2f4e7; color: #17663a; border: 2px solid #8fd0a5; }
            .verdict.fail { background: #fde6e6; color: #a11d1d; border: 2px solid #ee9d9d; }
            section { background: #fff; border: 1px solid #dfe2e8; border-radius: 10px; padding: 16px 20px;
                      margin: 14px 0; overflow-x: auto; }
            .note { color: #5b6272; margin: 0 0 10px; font-size: 13px; }
            dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 18px; margin: 0; }
            dl.facts dt { color: #5b6272; }
            dl.facts dd { margin: 0; word-break: break-word; }
            table.metrics { border-collapse: collapse; font-size: 13px; }
            table.metrics th { text-align: left; font-weight: 600; color: #3b4252; border-bottom: 2px solid #cfd4dd;
                               padding: 4px 12px 4px 0; white-space: nowrap; }
            table.metrics td { padding: 2px 12px 2px 0; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
            table.metrics th.num { text-align: right; }
            table.metrics td.num { text-align: right; font-variant-numeric: tabular-nums;
                                 font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; }
            table.metrics tr.group-start td { border-top: 1px solid #b8bec9; }
            td.pass { color: #17663a; font-weight: 700; }
            td.fail { color: #a11d1d; font-weight: 700; }
            td.empty { color: #8a90a0; font-style: italic; }
            footer { color: #7a8090; font-size: 12px; margin-top: 16px; }
            svg.chart { display: block; max-width: 100%; height: auto; margin: 8px 0 16px; }
            svg.chart text { font-family: inherit; fill: #2b303b; font-size: 12px; }
            svg.chart .chart-title { font-size: 14px; font-weight: 600; }
            svg.chart .axis-title { font-size: 12px; fill: #5b6272; }
            svg.chart .tick { font-size: 11px; fill: #5b6272; }
            svg.chart .infinity { font-size: 15px; }
            svg.chart .value { font-size: 10px; fill: #3b4252; }
            svg.chart .value.infinity { font-size: 15px; font-weight: 700; }
            svg.chart .nonfinite { font-size: 12px; font-weight: 700; fill: #c0392b; }
            svg.chart .layer-label { font-size: 11px; }
            svg.chart .grid { stroke: #e6e8ec; stroke-width: 1; }
            svg.chart .axis, svg.chart .zero, svg.chart .layer-tick { stroke: #6b7280; stroke-width: 1; }
            svg.chart .infinity-line { stroke: #9aa0ad; stroke-width: 1; stroke-dasharray: 5 4; }
            svg.chart .bar.infinite { fill-opacity: 0.55; }
            svg.chart .axis-break { stroke: #ffffff; stroke-width: 4; fill: none; }
            svg.chart .line { fill: none; stroke-width: 2; }
            svg.chart .point { stroke: #ffffff; stroke-width: 1; }
            svg.chart .point.infinite { stroke: #2b303b; }
            svg.chart .plot-frame { stroke: #6b7280; stroke-width: 1; }
            svg.chart .heatmap { image-rendering: pixelated; }
            """;
}

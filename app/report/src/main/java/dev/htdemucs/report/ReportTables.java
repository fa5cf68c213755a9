package dev.htdemucs.report;

import java.util.ArrayList;
import java.util.List;

/**
 * The tables of a {@link ValidationReport}, in the order every rendering shows them: stems, inner outputs
 * (when any run has them), runs, bounds.
 */
public final class ReportTables {

    private ReportTables() {
    }

    public static List<TextTable> of(ValidationReport report) {
        List<TextTable> tables = new ArrayList<>();
        tables.add(stems(report));
        if (report.runs().stream().anyMatch(run -> !run.innerOutputs().isEmpty())) {
            tables.add(innerOutputs(report));
        }
        tables.add(runs(report));
        tables.add(bounds(report));
        return List.copyOf(tables);
    }

    /** One row per (runtime, precision, case, source). */
    public static TextTable stems(ValidationReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (RunResult run : report.runs()) {
            for (SourceMetrics source : run.sources()) {
                rows.add(List.of(run.runtime(), run.precision(), run.caseName(), source.source(),
                        MetricFormat.amplitude(source.maxAbs()), MetricFormat.amplitude(source.maxAbsRelToPeak()),
                        MetricFormat.decibels(source.snrDb()), MetricFormat.decibels(source.siSdrDb())));
            }
        }
        return new TextTable("stems", "Stems vs " + report.referenceLabel(),
                metricColumns("source"), rows);
    }

    /** One row per (runtime, precision, case, inner output). */
    public static TextTable innerOutputs(ValidationReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (RunResult run : report.runs()) {
            for (OutputMetrics output : run.innerOutputs()) {
                rows.add(List.of(run.runtime(), run.precision(), run.caseName(), output.output(),
                        MetricFormat.amplitude(output.maxAbs()), MetricFormat.amplitude(output.maxAbsRelToPeak()),
                        MetricFormat.decibels(output.snrDb()), MetricFormat.decibels(output.siSdrDb())));
            }
        }
        return new TextTable("inner-outputs", "Inner outputs vs " + report.referenceLabel(),
                metricColumns("output"), rows);
    }

    /** One row per run: wall time and its worst stem. */
    public static TextTable runs(ValidationReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (RunResult run : report.runs()) {
            var worst = run.worstSource();
            rows.add(List.of(run.runtime(), run.precision(), run.caseName(),
                    MetricFormat.seconds(run.wallTimeSeconds()),
                    worst.map(SourceMetrics::source).orElse("-"),
                    worst.map(w -> MetricFormat.decibels(w.snrDb())).orElse("-")));
        }
        return new TextTable("runs", "Runs", List.of(TextTable.text("runtime"), TextTable.text("precision"),
                TextTable.text("case"), TextTable.number("wall s"), TextTable.text("worst source"),
                TextTable.number("worst SNR dB")), rows);
    }

    /** One row per bound: PASS/FAIL, description, measured value, required relation. */
    public static TextTable bounds(ValidationReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (Bound bound : report.bounds()) {
            rows.add(List.of(bound.holds() ? "PASS" : "FAIL", bound.description(),
                    MetricFormat.general(bound.measured()),
                    bound.relation().symbol() + " " + MetricFormat.general(bound.limit())));
        }
        return new TextTable("bounds", "Bounds", List.of(TextTable.text("result"), TextTable.text("bound"),
                TextTable.number("measured"), TextTable.number("required")), rows);
    }

    private static List<TextTable.Column> metricColumns(String nameHeader) {
        return List.of(TextTable.text("runtime"), TextTable.text("precision"), TextTable.text("case"),
                TextTable.text(nameHeader), TextTable.number("max abs"), TextTable.number("max/peak"),
                TextTable.number("SNR dB"), TextTable.number("SI-SDR dB"));
    }
}

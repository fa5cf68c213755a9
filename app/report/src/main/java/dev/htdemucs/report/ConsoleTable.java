package dev.htdemucs.report;

import java.io.PrintWriter;
import java.util.List;

/**
 * The plain-text rendering of a {@link ValidationReport} for the terminal: a verdict line, then each of
 * {@link ReportTables#of} as fixed-width columns (text left-aligned, numbers right-aligned), ending with
 * the bounds and the verdict again, so the last line a user sees says PASS or FAIL.
 *
 * <p>ASCII except for names and descriptions the caller supplies; deterministic (no dates, no locale).
 */
public final class ConsoleTable {

    private static final String COLUMN_GAP = "  ";

    private ConsoleTable() {
    }

    public static String render(ValidationReport report) {
        StringBuilder out = new StringBuilder();
        out.append("Validation of ").append(report.model()).append(" against ").append(report.referenceLabel())
                .append(" (").append(report.createdBy()).append(")\n");
        for (TextTable table : ReportTables.of(report)) {
            out.append('\n');
            appendTable(out, table);
        }
        out.append('\n').append(verdict(report)).append('\n');
        return out.toString();
    }

    public static void print(ValidationReport report, PrintWriter out) {
        out.print(render(report));
        out.flush();
    }

    /** E.g. {@code PASS: 4 of 4 bounds hold}, {@code FAIL: 3 of 4 bounds hold}, {@code PASS: no bounds stated}. */
    public static String verdict(ValidationReport report) {
        if (report.bounds().isEmpty()) {
            return "PASS: no bounds stated";
        }
        return (report.passed() ? "PASS" : "FAIL") + ": " + report.boundsHeld() + " of " + report.bounds().size()
                + " bounds hold";
    }

    static void appendTable(StringBuilder out, TextTable table) {
        List<TextTable.Column> columns = table.columns();
        int[] widths = new int[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            widths[c] = columns.get(c).header().length();
            for (List<String> row : table.rows()) {
                widths[c] = Math.max(widths[c], row.get(c).length());
            }
        }
        out.append(table.title()).append('\n');
        appendRow(out, columns.stream().map(TextTable.Column::header).toList(), columns, widths);
        appendRow(out, java.util.Arrays.stream(widths).mapToObj("-"::repeat).toList(), columns, widths);
        if (table.rows().isEmpty()) {
            out.append("(none)\n");
        }
        for (List<String> row : table.rows()) {
            appendRow(out, row, columns, widths);
        }
    }

    private static void appendRow(StringBuilder out, List<String> cells, List<TextTable.Column> columns,
                                  int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            if (c > 0) {
                line.append(COLUMN_GAP);
            }
            String cell = cells.get(c);
            String padding = " ".repeat(widths[c] - cell.length());
            if (columns.get(c).numeric()) {
                line.append(padding).append(cell);
            } else {
                line.append(cell).append(padding);
            }
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }
}

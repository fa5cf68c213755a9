package dev.htdemucs.report;

import java.util.List;
import java.util.Objects;

/**
 * A table of already formatted cells: what {@link ConsoleTable} pads into columns and {@link HtmlReport}
 * writes as {@code <table>}. Building the cells once is what makes both show the same numbers.
 *
 * @param id      stable identifier, e.g. {@code stems} (the HTML element id)
 * @param title   heading shown above the table
 * @param columns column headers and alignment
 * @param rows    cells, one list per row, as many cells as columns
 */
public record TextTable(String id, String title, List<Column> columns, List<List<String>> rows) {

    /** A column header; numeric columns are right-aligned. */
    public record Column(String header, boolean numeric) {
        public Column {
            Objects.requireNonNull(header, "header");
        }
    }

    public TextTable {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        columns = List.copyOf(columns);
        rows = rows.stream().map(List::copyOf).toList();
        for (List<String> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("table '" + title + "' has " + columns.size()
                        + " columns but a row with " + row.size() + " cells: " + row);
            }
        }
    }

    static Column text(String header) {
        return new Column(header, false);
    }

    static Column number(String header) {
        return new Column(header, true);
    }
}

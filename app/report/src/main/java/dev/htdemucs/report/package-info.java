/**
 * Reports of {@code htdemucs validate}: does the converted model still sound like the original?
 *
 * <h2>Model</h2>
 * {@link dev.htdemucs.report.ValidationReport} holds {@link dev.htdemucs.report.RunResult}s (one runtime ×
 * precision × input, with per-stem {@link dev.htdemucs.report.SourceMetrics} and inner-output
 * {@link dev.htdemucs.report.OutputMetrics}), optional per-layer {@link dev.htdemucs.report.LayerDivergence}s,
 * an optional {@link dev.htdemucs.report.ErrorSpectrogram} of the {@link dev.htdemucs.report.WorstStem}, and
 * the {@link dev.htdemucs.report.Bound}s that decide PASS/FAIL. Builders compute every metric from
 * reference/test arrays with {@code dev.htdemucs.numerics.Metrics}. SNRs of ±∞ (identical signals; error on a
 * silent reference) and NaN (a broken output) are ordinary values everywhere.
 *
 * <h2>Renderings</h2>
 * <ul>
 *   <li>{@link dev.htdemucs.report.ConsoleTable}: fixed-width text for the terminal;</li>
 *   <li>{@link dev.htdemucs.report.JsonReport}: standard JSON, non-finite numbers as strings;</li>
 *   <li>{@link dev.htdemucs.report.HtmlReport}: one self-contained offline HTML page with SVG charts.</li>
 * </ul>
 * The console and HTML tables are built once by {@link dev.htdemucs.report.ReportTables} with
 * {@link dev.htdemucs.report.MetricFormat}, so they show the same digits.
 */
package dev.htdemucs.report;

package dev.htdemucs.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConsoleTableTest {

    static ValidationReport smallReport() {
        return ValidationReport.builder("htdemucs_6s.th")
                .reference("pytorch", "fp32")
                .createdBy("htdemucs 0.1.0")
                .run(new RunResult("onnxruntime", "fp32", "synth_song", List.of(
                        new SourceMetrics("drums", 3.12e-6, 5.879e-5, 84.2149, 84.2201),
                        new SourceMetrics("vocals", 0, 0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)),
                        List.of(new OutputMetrics("wave_out", 1e-7, 2e-6, 101.5, 101.6)), 1.2344))
                .run(new RunResult("coreml-reference", "fp16", "silence", List.of(
                        new SourceMetrics("drums", 4.8e-6, 4.8e-6, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY),
                        new SourceMetrics("vocals", Double.NaN, Double.NaN, Double.NaN, Double.NaN)),
                        List.of(), Double.NaN))
                .bound(Bound.atMost("fp32 max abs <= 1e-4 x peak", 5.879e-5, 1e-4))
                .bound(Bound.atMost("no NaN", 1, 0))
                .build();
    }

    @Test
    void rendersFixedWidthColumns() {
        String expected = """
                Validation of htdemucs_6s.th against pytorch fp32 (htdemucs 0.1.0)

                Stems vs pytorch fp32
                runtime           precision  case        source    max abs   max/peak  SNR dB  SI-SDR dB
                ----------------  ---------  ----------  ------  ---------  ---------  ------  ---------
                onnxruntime       fp32       synth_song  drums   3.120e-06  5.879e-05   84.21      84.22
                onnxruntime       fp32       synth_song  vocals  0.000e+00  0.000e+00     inf        inf
                coreml-reference  fp16       silence     drums   4.800e-06  4.800e-06    -inf       -inf
                coreml-reference  fp16       silence     vocals        nan        nan     nan        nan

                Inner outputs vs pytorch fp32
                runtime      precision  case        output      max abs   max/peak  SNR dB  SI-SDR dB
                -----------  ---------  ----------  --------  ---------  ---------  ------  ---------
                onnxruntime  fp32       synth_song  wave_out  1.000e-07  2.000e-06  101.50     101.60

                Runs
                runtime           precision  case        wall s  worst source  worst SNR dB
                ----------------  ---------  ----------  ------  ------------  ------------
                onnxruntime       fp32       synth_song   1.234  drums                84.21
                coreml-reference  fp16       silence        nan  vocals                 nan

                Bounds
                result  bound                         measured      required
                ------  ---------------------------  ---------  ------------
                PASS    fp32 max abs <= 1e-4 x peak  5.879e-05  <= 1.000e-04
                FAIL    no NaN                            1.00          <= 0

                FAIL: 1 of 2 bounds hold
                """;
        assertEquals(expected, ConsoleTable.render(smallReport()));
    }

    @Test
    void oneRowPerRuntimePrecisionCaseAndSource() {
        ValidationReport report = new SyntheticReport().build("tiny6.th", true);
        String text = ConsoleTable.render(report);
        long stemRows = text.lines().filter(line -> line.matches("\\S+ +fp(16|32) +\\S+ +(drums|bass|other|vocals|guitar|piano) .*"))
                .count();
        assertEquals(SyntheticReport.CASES.size() * SyntheticReport.RUNS.size() * 6, stemRows);
        assertTrue(text.contains(" inf "), "identical stems print inf");
        assertTrue(text.contains(" -inf "), "fp16 silence prints -inf");
        assertFalse(text.contains("Infinity"));
        assertTrue(text.contains("FAIL    fp16 SNR ≥ 90 dB (too strict on purpose)"), text);
        assertTrue(text.endsWith("FAIL: 3 of 4 bounds hold\n"));
        assertEquals(text, ConsoleTable.render(new SyntheticReport().build("tiny6.th", true)), "deterministic");
    }
}

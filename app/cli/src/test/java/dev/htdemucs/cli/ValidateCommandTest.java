package dev.htdemucs.cli;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.numerics.NpyArray;
import dev.htdemucs.report.ConsoleTable;
import dev.htdemucs.report.JsonReport;
import dev.htdemucs.report.LayerDivergence;
import dev.htdemucs.report.LayerOrder;
import dev.htdemucs.report.LayerPoint;
import dev.htdemucs.report.MetricFormat;
import dev.htdemucs.report.RunResult;
import dev.htdemucs.report.ValidationReport;
import dev.htdemucs.dsp.Audio;
import dev.htdemucs.dsp.WavEncoding;
import dev.htdemucs.dsp.WavWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code htdemucs validate} on the bundled tiny6 model: runtimes reference (the reference), onnxruntime and
 * coreml-reference at fp32 and fp16 on the four built-in signals, with --layers. The command's own bounds
 * are what is asserted (fp32 runs within 1e-4 × peak, fp16 stems ≥ 40 dB SNR, no NaN); the renderings are
 * checked against each other: console table, HTML tables and charts, JSON.
 */
class ValidateCommandTest {
    static final String SVG = "http://www.w3.org/2000/svg";
    static final List<String> SOURCES = List.of("drums", "bass", "other", "vocals", "guitar", "piano");
    static final List<String> CASES = List.of("silence", "sine_440hz", "white_noise", "synth_song");
    static final List<String> LABELS = List.of("onnxruntime fp32", "coreml-reference fp32", "coreml-reference fp16");
    /** Columns of a console table are separated by at least two spaces; no cell holds two spaces. */
    static final Pattern COLUMN_GAP = Pattern.compile(" {2,}");

    @TempDir
    static Path shared;
    static Path html;
    static Path json;
    static CliRunner.Result tiny6;

    @TempDir
    Path dir;

    @BeforeAll
    static void validateTiny6() {
        html = shared.resolve("report.html");
        json = shared.resolve("report.json");
        long start = System.nanoTime();
        tiny6 = CliRunner.run("validate", "--runtimes", "reference,onnxruntime,coreml-reference", "--precision", "fp32,fp16",
                "--layers", "--report", html.toString(), "--json", json.toString());
        System.out.printf("validate tiny6: %.1f s%n%s%s", (System.nanoTime() - start) / 1e9, tiny6.out(), tiny6.err());
    }

    // ------------------------------------------------------------------------------------ console

    /** The rows of the console table titled {@code title}, as cells. */
    static List<List<String>> consoleRows(String console, String title) {
        int start = console.indexOf("\n" + title + "\n");
        assertTrue(start >= 0, "console has table '" + title + "':\n" + console);
        String[] lines = console.substring(start + 1).split("\n");
        List<List<String>> rows = new ArrayList<>();
        // title, header, dashes, then rows up to the blank line
        for (int i = 3; i < lines.length && !lines[i].isBlank(); i++) rows.add(List.of(COLUMN_GAP.split(lines[i].strip())));
        return rows;
    }

    @Test
    void passesOnTiny6WithARowPerRuntimePrecisionInputAndSource() {
        assertEquals(0, tiny6.exitCode(), tiny6.err());
        String console = tiny6.out();
        assertTrue(console.startsWith("Validation of tiny6 (bundled) against reference fp32 (htdemucs "), console);

        List<List<String>> stems = consoleRows(console, "Stems vs reference fp32");
        assertEquals(LABELS.size() * CASES.size() * SOURCES.size(), stems.size());
        int row = 0;
        for (String label : LABELS) {
            for (String input : CASES) {
                for (String source : SOURCES) {
                    List<String> cells = stems.get(row++);
                    assertEquals(label + " " + input + " " + source, String.join(" ", cells.subList(0, 4)));
                    if (input.equals("silence")) {
                        // HTDemucs de-normalises by the input's std, 0 for silence: exact zeros in every runtime.
                        assertEquals(List.of("0.000e+00", "0.000e+00", "inf", "inf"), cells.subList(4, 8), cells.toString());
                    }
                }
            }
        }
        assertEquals(LABELS.size() * CASES.size() * 2, consoleRows(console, "Inner outputs vs reference fp32").size());
        assertEquals(LABELS.size() * CASES.size(), consoleRows(console, "Runs").size());

        List<List<String>> bounds = consoleRows(console, "Bounds");
        assertEquals(List.of(
                "PASS onnxruntime fp32: max abs / peak, every stem and inner output",
                "PASS coreml-reference fp32: max abs / peak, every stem and inner output",
                "PASS coreml-reference fp16: SNR in dB, every stem of every non-silent input",
                "PASS no NaN or infinity in any output of any run (count)"),
                bounds.stream().map(b -> b.get(0) + " " + b.get(1)).toList());
        assertEquals(List.of("<= 1.000e-04", "<= 1.000e-04", ">= 40.00", "<= 0"), bounds.stream().map(b -> b.get(3)).toList());
        assertEquals("0", bounds.get(3).get(2), "no NaN");
        assertTrue(console.contains("\nPASS: 4 of 4 bounds hold\n"), console);
        assertTrue(console.endsWith("wrote " + html + "\nwrote " + json + "\n"), console);
        assertFalse(console.contains("note:"), "every requested runtime ran");

        String progress = tiny6.err();
        for (String step : List.of("validate: converting to fp16 (fp16.mlpackage)", "validate: [1/4] reference fp32 (reference)",
                "validate: [4/4] coreml-reference fp16", "validate: layers: coreml-reference fp16")) {
            assertTrue(progress.contains(step + "\n"), "stderr shows '" + step + "':\n" + progress);
        }
    }

    // --------------------------------------------------------------------------------------- JSON

    @Test
    void jsonRoundTripsAndHoldsWhatTheConsoleShows() throws IOException {
        ValidationReport report = JsonReport.read(json);
        assertEquals(Files.readString(json), JsonReport.toJson(report) + "\n", "written, read and written again: same text");
        assertTrue(report.passed());
        assertEquals("reference fp32", report.referenceLabel());
        assertEquals(LABELS.size() * CASES.size(), report.runs().size());
        assertTrue(tiny6.out().startsWith(ConsoleTable.render(report)), "the console printed exactly this report");

        LayerDivergence layers = report.layerDivergences().get(0);
        assertEquals(1, report.layerDivergences().size(), "fp32 has no fp16 op, so only fp16 diverges");
        assertEquals("coreml-reference fp16", layers.label());
        assertEquals(LayerOrder.htdemucs(4), layers.layers().stream().map(LayerPoint::layer).toList());
        for (LayerPoint p : layers.layers()) {
            // fp16 storage keeps ~11 bits; an activation rounded at every op lands far above 40 dB and far below fp32's 140.
            assertTrue(p.snrDb() > 40 && p.snrDb() < 100, p.toString());
        }
        var spectrogram = report.worstStemError().orElseThrow();
        var worst = report.worstStem().orElseThrow();
        assertEquals(worst.run().label() + " " + worst.run().caseName() + " " + worst.source().source(),
                spectrogram.runtime() + " " + spectrogram.precision() + " " + spectrogram.caseName() + " " + spectrogram.source());
        assertEquals("fp16", spectrogram.precision(), "the worst stem is an fp16 one");
        assertEquals(0.5, spectrogram.durationSeconds(), 1e-12, "one segment of 22050 samples at 44.1 kHz");
    }

    // --------------------------------------------------------------------------------------- HTML

    static Document parseXml(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setExpandEntityReferences(false);
        DocumentBuilder builder = factory.newDocumentBuilder();
        builder.setErrorHandler(null);
        return builder.parse(new InputSource(new StringReader(xml)));
    }

    static List<Element> elements(Element root, String namespace, String name, String cssClass) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = namespace == null ? root.getElementsByTagName(name) : root.getElementsByTagNameNS(namespace, name);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            if (cssClass == null || Arrays.asList(e.getAttribute("class").split(" ")).contains(cssClass)) found.add(e);
        }
        return found;
    }

    static String title(Element svgElement) {
        NodeList titles = svgElement.getElementsByTagNameNS(SVG, "title");
        return titles.getLength() == 0 ? "" : titles.item(0).getTextContent();
    }

    /** The body rows of HTML table {@code id}, as cell texts. */
    static List<List<String>> htmlRows(Document page, String id) {
        Element table = elements(page.getDocumentElement(), null, "table", "metrics").stream()
                .filter(t -> t.getAttribute("id").equals(id)).findFirst().orElseThrow(() -> new AssertionError("no table " + id));
        List<List<String>> rows = new ArrayList<>();
        for (Element tr : elements((Element) table.getElementsByTagName("tbody").item(0), null, "tr", null)) {
            rows.add(elements(tr, null, "td", null).stream().map(Element::getTextContent).toList());
        }
        return rows;
    }

    @Test
    void htmlTablesAndChartsShowTheConsoleNumbers() throws Exception {
        Document page = parseXml(Files.readString(html));
        String console = tiny6.out();
        Map<String, String> tables = Map.of("table-stems", "Stems vs reference fp32",
                "table-inner-outputs", "Inner outputs vs reference fp32", "table-runs", "Runs", "table-bounds", "Bounds");
        for (var table : tables.entrySet()) {
            assertEquals(consoleRows(console, table.getValue()), htmlRows(page, table.getKey()), table.getKey());
        }

        // SNR charts: one per input, one bar per run and source; each bar's tooltip quotes the console's numbers.
        Map<String, List<String>> consoleStems = new HashMap<>();
        for (List<String> r : consoleRows(console, "Stems vs reference fp32")) {
            consoleStems.put(r.get(0) + " " + r.get(1) + " " + r.get(2) + " " + r.get(3), r);
        }
        List<Element> svgs = elements(page.getDocumentElement(), SVG, "svg", null);
        List<Element> snrCharts = svgs.stream().filter(s -> s.getAttribute("class").contains("snr-chart")).toList();
        assertEquals(CASES.size(), snrCharts.size());
        Pattern barTip = Pattern.compile("(.+) · (\\w+): SNR (\\S+) dB, SI-SDR (\\S+) dB");
        int bars = 0;
        for (int c = 0; c < CASES.size(); c++) {
            Element chart = snrCharts.get(c);
            assertEquals("SNR per source on " + CASES.get(c) + " vs reference fp32", title(chart));
            for (Element bar : elements(chart, SVG, "rect", "bar")) {
                Matcher m = barTip.matcher(title(bar));
                assertTrue(m.matches(), title(bar));
                List<String> row = consoleStems.get(m.group(1) + " " + CASES.get(c) + " " + m.group(2));
                assertNotNull(row, title(bar));
                assertEquals(List.of(row.get(6), row.get(7)), List.of(m.group(3), m.group(4)), title(bar));
                bars++;
            }
        }
        assertEquals(LABELS.size() * CASES.size() * SOURCES.size(), bars);

        // The layer chart: one line, a point per layer, tooltips quoting the JSON's values.
        ValidationReport report = JsonReport.read(json);
        Element layerChart = svgs.stream().filter(s -> s.getAttribute("class").contains("layer-chart"))
                .findFirst().orElseThrow(() -> new AssertionError("no layer chart"));
        assertEquals(1, elements(layerChart, SVG, "path", "line").size());
        List<Element> points = elements(layerChart, SVG, "circle", "point");
        List<LayerPoint> expected = report.layerDivergences().get(0).layers();
        assertEquals(expected.size(), points.size());
        for (int i = 0; i < points.size(); i++) {
            LayerPoint p = expected.get(i);
            assertTrue(title(points.get(i)).startsWith("coreml-reference fp16 · " + p.layer() + ": SNR "
                    + MetricFormat.decibels(p.snrDb()) + " dB"), title(points.get(i)));
        }

        // The spectrogram: an embedded PNG of the report's cells.
        List<Element> images = elements(page.getDocumentElement(), SVG, "image", "heatmap");
        assertEquals(1, images.size());
        String href = images.get(0).getAttribute("href");
        assertTrue(href.startsWith("data:image/png;base64,"), href.substring(0, 40));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(href.substring(href.indexOf(',') + 1))));
        assertEquals(report.errorSpectrogram().timeCells(), png.getWidth());
        assertEquals(report.errorSpectrogram().frequencyCells(), png.getHeight());

        String text = page.getDocumentElement().getTextContent();
        assertTrue(text.contains("PASS: 4 of 4 bounds hold"), "the verdict");
        assertTrue(text.contains("coreml-reference fp16: SNR in dB, every stem of every non-silent input"), "the stated bounds");
    }

    @Test
    void htmlRendersInHeadlessChromium() throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assumeTrue(Files.isExecutable(chromium), "skipped: " + chromium + " not installed; the HTML structure is checked by"
                + " htmlTablesAndChartsShowTheConsoleNumbers");
        int width = 1200, height = 4200;
        Path screenshot = Path.of("target", "validate-report-screenshot.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);
        // Networking features off and every host unresolvable: the page cannot fetch anything even by mistake.
        Process p = new ProcessBuilder(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-extensions", "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--hide-scrollbars", "--user-data-dir=" + dir.resolve("profile"), "--screenshot=" + screenshot,
                "--window-size=" + width + "," + height, html.toUri().toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("chromium.log").toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 120 s: " + Files.readString(dir.resolve("chromium.log")));
        }
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("chromium.log")));
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertEquals(width, image.getWidth());
        assertTrue(count(image, 0xe2f4e7) > 2000, "the green PASS badge is drawn");
        long viridis = 0;
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
                if (g > 120 && g > b + 30 && r < g) viridis++;
            }
        }
        assertTrue(viridis > 5000, "the spectrogram heat map is drawn (" + viridis + " sampled pixels)");
        System.out.println("screenshot: " + screenshot);
    }

    private static long count(BufferedImage image, int rgb) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) if ((image.getRGB(x, y) & 0xffffff) == rgb) n++;
        }
        return n;
    }

    // ------------------------------------------------------------------------ failing bound, songs, skips

    @Test
    void anUnreachableSnrBoundFailsWithExitCode1OnASongLongerThanASegment() throws Exception {
        NpyArray mix = Golden.tiny6().npy("long_apply/mix.npy");
        int total = mix.dim(2), length = 35_280; // 0.8 s: two segments of 22050 with overlap
        float[][] samples = new float[2][];
        for (int c = 0; c < 2; c++) samples[c] = Arrays.copyOfRange(mix.data(), c * total, c * total + length);
        Path song = dir.resolve("song.wav");
        WavWriter.write(song, new Audio(44_100, samples), WavEncoding.FLOAT_32);
        Path out = dir.resolve("failing.json");

        CliRunner.Result r = CliRunner.run("validate", "--input", song.toString(), "--seconds", "0.8",
                "--runtimes", "reference,coreml-reference", "--precision", "fp16", "--min-fp16-snr", "500",
                "--json", out.toString());

        assertEquals(1, r.exitCode(), r.out() + r.err());
        List<List<String>> bounds = consoleRows(r.out(), "Bounds");
        assertEquals(List.of("FAIL", "coreml-reference fp16: SNR in dB, every stem of every non-silent input"),
                bounds.get(0).subList(0, 2));
        assertEquals(">= 500.00", bounds.get(0).get(3));
        assertEquals("PASS", bounds.get(1).get(0), "no NaN");
        assertTrue(r.out().contains("\nFAIL: 1 of 2 bounds hold\n"), r.out());
        ValidationReport report = JsonReport.read(out);
        assertEquals(List.of("song.wav"), report.runs().stream().map(RunResult::caseName).toList());
        assertEquals(length / 44_100.0, report.errorSpectrogram().durationSeconds(), 1e-12,
                "the stems cover all 0.8 s, put together from two segments");
        assertTrue(report.runs().get(0).worstSource().orElseThrow().snrDb() > 40, "fp16 is fine, the bound is not");
    }

    @Test
    void pytorchWithoutATorchScriptFileAndAnUnknownRuntimeAreSkippedWithANote() throws Exception {
        Path model = Files.copy(Golden.tiny6().file("model.th"), dir.resolve("copy.th"));

        CliRunner.Result r = CliRunner.run("validate", "--model", model.toString(), "--signals", "silence",
                "--runtimes", "reference,pytorch,no-such-runtime", "--precision", "fp32");

        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().startsWith("note: pytorch: not run: there is no TorchScript file of this model's inner"
                + " network (give one with --torchscript"), r.out());
        assertTrue(r.out().contains("\nnote: no-such-runtime: not run: "), r.out());
        assertTrue(r.out().contains("Validation of copy.th against reference fp32"), r.out());
        assertTrue(r.out().contains("\nPASS: 1 of 1 bounds hold\n"), "only the NaN bound: nothing was compared\n" + r.out());
    }

    @Test
    void helpStatesTheBounds() {
        CliRunner.Result r = CliRunner.run("validate", "--help");
        assertEquals(0, r.exitCode());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("max |ref - test| <= 1e-4 x max |ref| on every stem and inner output"), help);
        assertTrue(help.contains("SNR >= --min-fp16-snr (default 40 dB) on every stem of every non-silent input"), help);
        assertTrue(help.contains("no NaN or infinity in any output"), help);
        assertTrue(help.contains("Exit codes: 0 every bound holds, 1 a bound is broken, 2 an error."), help);
    }

    @Test
    void badOptionsAreUsageErrors() {
        CliRunner.Result seconds = CliRunner.run("validate", "--seconds", "2");
        assertEquals(2, seconds.exitCode());
        assertTrue(seconds.err().startsWith("error: --seconds applies to --input; no --input given"), seconds.err());
        CliRunner.Result signal = CliRunner.run("validate", "--signals", "pink_noise");
        assertEquals(2, signal.exitCode());
        assertTrue(signal.err().startsWith("error: --signals: no built-in signal 'pink_noise'; built in: silence,"
                + " sine_440hz, white_noise, synth_song"), signal.err());
        CliRunner.Result precision = CliRunner.run("validate", "--precision", "fp8", "--signals", "silence");
        assertEquals(2, precision.exitCode());
        assertTrue(precision.err().startsWith("error: "), precision.err());
    }
}

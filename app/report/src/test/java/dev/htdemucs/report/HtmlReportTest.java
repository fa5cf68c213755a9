package dev.htdemucs.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

import javax.imageio.ImageIO;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {

    private static final Pattern SVG_BLOCK = Pattern.compile("<svg\\b.*?</svg>", Pattern.DOTALL);
    /** Numbers as the tables print them: decimals, scientific, integers, inf, -inf, nan. */
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w.-])(-?(?:\\d+\\.\\d+(?:e[+-]\\d+)?|\\d+|inf)|nan)(?![\\w.])");
    private static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    private static final SyntheticReport SYNTHETIC = new SyntheticReport();
    private static final ValidationReport REPORT = SYNTHETIC.build("tiny6.th", true);
    private static final String HTML = HtmlReport.render(REPORT);

    static Document parseXml(String xml) throws ParserConfigurationException, IOException, SAXException {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setExpandEntityReferences(false);
        DocumentBuilder builder = factory.newDocumentBuilder();
        builder.setErrorHandler(null);
        return builder.parse(new InputSource(new StringReader(xml)));
    }

    private static List<Document> svgBlocks(String html) throws Exception {
        List<Document> blocks = new ArrayList<>();
        Matcher matcher = SVG_BLOCK.matcher(html);
        while (matcher.find()) {
            Document svg = parseXml(matcher.group());
            assertEquals(SVG_NAMESPACE, svg.getDocumentElement().getNamespaceURI());
            blocks.add(svg);
        }
        return blocks;
    }

    private static List<Element> elements(Document document, String name, String cssClass) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = document.getElementsByTagNameNS(SVG_NAMESPACE, name);
        for (int i = 0; i < nodes.getLength(); i++) {
            Element element = (Element) nodes.item(i);
            if (List.of(element.getAttribute("class").split(" ")).contains(cssClass)) {
                found.add(element);
            }
        }
        return found;
    }

    private static List<String> numbers(String text) {
        List<String> numbers = new ArrayList<>();
        Matcher matcher = NUMBER.matcher(text);
        while (matcher.find()) {
            numbers.add(matcher.group(1));
        }
        return numbers;
    }

    private static String unescape(String text) {
        return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
                .replace("&amp;", "&");
    }

    @Test
    void wholePageAndEverySvgAreWellFormedXml() throws Exception {
        Document page = parseXml(HTML);
        assertEquals("html", page.getDocumentElement().getTagName());
        List<Document> svgs = svgBlocks(HTML);
        // one SNR chart per input, the layer chart, the spectrogram
        assertEquals(SyntheticReport.CASES.size() + 2, svgs.size());
        assertEquals(svgs.size(), page.getElementsByTagName("svg").getLength());
    }

    @Test
    void barChartsHaveOneBarPerRunAndSource() throws Exception {
        List<Document> svgs = svgBlocks(HTML);
        for (int c = 0; c < SyntheticReport.CASES.size(); c++) {
            String caseName = SyntheticReport.CASES.get(c);
            Document chart = svgs.get(c);
            assertTrue(chart.getElementsByTagNameNS(SVG_NAMESPACE, "title").item(0).getTextContent()
                    .contains(caseName));
            long expectedBars = REPORT.runs().stream().filter(run -> run.caseName().equals(caseName))
                    .flatMap(run -> run.sources().stream())
                    .filter(s -> Double.isFinite(s.snrDb()) || s.snrDb() == Double.POSITIVE_INFINITY).count();
            long infinite = REPORT.runs().stream().filter(run -> run.caseName().equals(caseName))
                    .flatMap(run -> run.sources().stream()).filter(s -> s.snrDb() == Double.POSITIVE_INFINITY).count();
            long minusInfinite = REPORT.runs().stream().filter(run -> run.caseName().equals(caseName))
                    .flatMap(run -> run.sources().stream()).filter(s -> s.snrDb() == Double.NEGATIVE_INFINITY).count();
            assertEquals(expectedBars, elements(chart, "rect", "bar").size(), caseName);
            assertEquals(infinite, elements(chart, "rect", "infinite").size(), caseName);
            assertEquals(infinite, elements(chart, "text", "value").stream()
                    .filter(t -> t.getTextContent().equals("∞")).count(), caseName);
            assertEquals(minusInfinite, elements(chart, "text", "nonfinite").size(), caseName);
            assertEquals(SyntheticReport.RUNS.size(), elements(chart, "rect", "swatch").size(), "legend");
            assertEquals(6, elements(chart, "text", "group-label").size());
            assertTrue(elements(chart, "text", "tick").stream().anyMatch(t -> t.getTextContent().equals("0")),
                    "the dB axis has a 0 tick");
        }
        // Every SNR chart shares the colour of a run.
        Document song = svgs.get(0);
        List<String> fills = elements(song, "rect", "bar").stream().map(e -> e.getAttribute("fill")).distinct().toList();
        assertEquals(SyntheticReport.RUNS.size(), fills.size());
    }

    @Test
    void layerChartHasAPointPerLayerAndALinePerSeries() throws Exception {
        Document chart = svgBlocks(HTML).get(SyntheticReport.CASES.size());
        int points = REPORT.layerDivergences().stream().mapToInt(d -> d.layers().size()).sum();
        assertEquals(32, points, "2 series × 16 layers of tiny6 (the golden set has no transformer activation)");
        assertEquals(points, elements(chart, "circle", "point").size());
        assertEquals(REPORT.layerDivergences().size(), elements(chart, "path", "line").size());
        List<String> labels = elements(chart, "text", "layer-label").stream().map(Element::getTextContent).toList();
        assertEquals(LayerOrder.htdemucs(4).stream().filter(l -> !l.equals("transformer")).toList(), labels);
    }

    @Test
    void spectrogramIsAnEmbeddedPngOfTheCells() throws Exception {
        Document chart = svgBlocks(HTML).get(SyntheticReport.CASES.size() + 1);
        List<Element> images = elements(chart, "image", "heatmap");
        assertEquals(1, images.size());
        String href = images.get(0).getAttribute("href");
        assertTrue(href.startsWith("data:image/png;base64,"));
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder()
                .decode(href.substring("data:image/png;base64,".length()))));
        ErrorSpectrogram spectrogram = REPORT.worstStemError().orElseThrow();
        assertEquals(spectrogram.timeCells(), png.getWidth());
        assertEquals(spectrogram.frequencyCells(), png.getHeight());
        assertTrue(png.getWidth() <= 200 && png.getHeight() <= 128);
        // The worst stem of the synthetic report is fp16 on a song, not the −∞ of fp16 on silence.
        assertEquals("coreml-reference fp16 synth_song", spectrogram.runtime() + " " + spectrogram.precision() + " "
                + spectrogram.caseName());
        // Colours come from viridis: the loudest cell maps to the top of the scale.
        double top = SpectrogramHeatmap.scaleTopDb(spectrogram);
        assertTrue(top - spectrogram.peakDb() < 10);
    }

    @Test
    void tablesShowTheConsoleNumbers() {
        String console = ConsoleTable.render(REPORT);
        List<TextTable> tables = ReportTables.of(REPORT);
        assertEquals(4, tables.size());
        int compared = 0;
        for (TextTable table : tables) {
            int start = console.indexOf("\n" + table.title() + "\n");
            int end = console.indexOf("\n\n", start + 1);
            List<String> consoleNumbers = numbers(console.substring(start, end));

            Matcher html = Pattern.compile("<table class=\"metrics\" id=\"table-" + table.id() + "\">(.*?)</table>",
                    Pattern.DOTALL).matcher(HTML);
            assertTrue(html.find(), "HTML has table " + table.id());
            List<String> htmlNumbers = numbers(unescape(html.group(1).replaceAll("<[^>]+>", " ")));

            assertFalse(consoleNumbers.isEmpty());
            assertEquals(consoleNumbers, htmlNumbers, table.id());
            compared += consoleNumbers.size();
        }
        // 72 stem rows × 4 metrics + 16 inner rows × 4 + 12 runs × 2 + bounds
        assertTrue(compared > 72 * 4 + 16 * 4 + 12 * 2, "compared " + compared + " numbers");
        assertTrue(HTML.contains("<td class=\"num\">inf</td>"));
        assertTrue(HTML.contains("<td class=\"num\">-inf</td>"));
    }

    @Test
    void nothingPointsOutsideTheFile() {
        Matcher uris = Pattern.compile("(?i)\\b[a-z][a-z0-9+.-]*://[^\"'\\s<>)]*").matcher(HTML);
        int namespaces = 0;
        while (uris.find()) {
            assertEquals(SVG_NAMESPACE, uris.group(), "the only URI allowed is the SVG namespace");
            namespaces++;
        }
        assertEquals(SyntheticReport.CASES.size() + 2, namespaces);
        String lower = HTML.toLowerCase(java.util.Locale.ROOT);
        for (String forbidden : List.of("<script", "<link", "<iframe", "<object", "<embed", "<img", "@import",
                "src=", "xlink:", "//cdn", "@font-face")) {
            assertFalse(lower.contains(forbidden), "the page must not contain " + forbidden);
        }
        Matcher urls = Pattern.compile("url\\(([^)]*)\\)").matcher(HTML);
        while (urls.find()) {
            assertTrue(urls.group(1).startsWith("#"), "only in-document url() references: " + urls.group());
        }
        Matcher hrefs = Pattern.compile("href=\"([^\"]*)\"").matcher(HTML);
        while (hrefs.find()) {
            assertTrue(hrefs.group(1).startsWith("data:image/png;base64,"), "only embedded images: " + hrefs.group());
        }
    }

    @Test
    void namesFromFilesAreEscaped() throws Exception {
        String hostile = "<script>alert(1)</script>";
        String attribute = "\"><img src=x onerror=alert(2)>";
        ValidationReport report = ValidationReport.builder(hostile + "\u0001&amp;'")
                .reference("reference", attribute)
                .createdBy("</title><script>alert(3)</script>")
                .version("<b>", "</dd>")
                .run(new RunResult(attribute, "fp16", hostile, List.of(new SourceMetrics(hostile, 1e-3, 1e-2, 30, 31),
                        new SourceMetrics(attribute, 0, 0, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY)),
                        List.of(), 1))
                .layerDivergence(new LayerDivergence(hostile, List.of(new LayerPoint(attribute, 40, 1e-2))))
                .errorSpectrogram(ErrorSpectrogram.of(attribute, hostile, hostile, hostile, 0, new float[2048],
                        new float[2048], 44100, 1024, 256, 200, 128))
                .bound(Bound.atLeast(hostile, 30, 20))
                .build();
        String html = HtmlReport.render(report);
        assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("<script"), "no script element");
        assertFalse(html.contains("<img"), "no img element");
        assertFalse(html.contains("<b>"));
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assertTrue(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
        assertTrue(html.contains("&amp;amp;&#39;"), "an escaped entity in a name is shown literally");
        Document page = parseXml(html); // the control character was replaced, or this would fail
        assertTrue(page.getElementsByTagName("h1").item(0).getTextContent().contains(hostile + "\uFFFD&amp;'"));
        for (Document svg : svgBlocks(html)) {
            assertEquals(SVG_NAMESPACE, svg.getDocumentElement().getNamespaceURI());
        }
    }

    @Test
    void brokenRunsRenderNanAndNegativeValues() throws Exception {
        ValidationReport report = ValidationReport.builder("broken.th")
                .run(new RunResult("onnxruntime", "fp16", "synth_song", List.of(
                        new SourceMetrics("drums", Double.NaN, Double.NaN, Double.NaN, Double.NaN),
                        new SourceMetrics("bass", 0.9, 1.2, -3.5, -1.25)), List.of(), Double.NaN))
                .layerDivergence(new LayerDivergence("onnxruntime fp16", List.of(new LayerPoint("encoder0", 60, 1e-3),
                        new LayerPoint("encoder1", Double.NaN, Double.NaN), new LayerPoint("encoder2", -2, 2),
                        new LayerPoint("encoder3", Double.POSITIVE_INFINITY, 0))))
                .bound(Bound.atLeast("SNR ≥ 40 dB", Double.NaN, 40))
                .build();
        String html = HtmlReport.render(report);
        Document page = parseXml(html);
        assertTrue(html.contains("<div class=\"verdict fail\">FAIL</div>"));
        List<Document> svgs = svgBlocks(html);
        assertEquals(2, svgs.size());
        assertEquals(1, elements(svgs.get(0), "rect", "bar").size(), "no bar for NaN");
        assertEquals(List.of("NaN"), elements(svgs.get(0), "text", "nonfinite").stream().map(Element::getTextContent)
                .toList());
        Element negative = elements(svgs.get(0), "rect", "bar").get(0);
        assertTrue(Double.parseDouble(negative.getAttribute("height")) > 0);
        assertEquals(3, elements(svgs.get(1), "circle", "point").size());
        String line = elements(svgs.get(1), "path", "line").get(0).getAttribute("d");
        assertEquals(2, line.chars().filter(ch -> ch == 'M').count(), "the NaN layer breaks the line: " + line);
        assertTrue(page.getElementsByTagName("table").getLength() >= 3);
        assertTrue(html.contains("<td class=\"num\">nan</td>"));
    }

    @Test
    void writesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("nested/report.html");
        HtmlReport.write(REPORT, file);
        assertEquals(HTML, Files.readString(file));
        assertEquals(List.of(file), Files.list(file.getParent()).toList(), "no temporary file left behind");
    }

    @Test
    void niceAxisSteps() {
        assertEquals(20, LinearAxis.niceStep(17));
        assertEquals(20, LinearAxis.niceStep(21));
        assertEquals(50, LinearAxis.niceStep(40));
        assertEquals(0.05, LinearAxis.niceStep(0.0625), 1e-12);
        LinearAxis axis = LinearAxis.covering(-3.5, 123, 6, 300, 0);
        assertEquals(List.of(-20.0, 0.0, 20.0, 40.0, 60.0, 80.0, 100.0, 120.0, 140.0), axis.ticks());
        assertEquals(300, axis.pixel(-20), 1e-9);
        assertEquals(0, axis.pixel(1e9), 1e-9);
        assertEquals("0.5", LinearAxis.covering(0, 2.2, 5, 0, 1).label(0.5));
    }
}

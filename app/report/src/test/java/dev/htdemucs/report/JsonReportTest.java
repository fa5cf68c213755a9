package dev.htdemucs.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonReportTest {

    @Test
    void roundTripKeepsEverything(@TempDir Path dir) throws IOException {
        ValidationReport report = new SyntheticReport().build("tiny6 \"quoted\" <b>.th", true);
        assertTrue(report.worstStemError().isPresent());
        assertFalse(report.layerDivergences().isEmpty());

        assertEquals(report, JsonReport.fromJson(JsonReport.toJson(report)));
        Path file = dir.resolve("out/report.json");
        JsonReport.write(report, file);
        assertEquals(report, JsonReport.read(file));
        assertEquals(JsonReport.toJson(report) + "\n", Files.readString(file));
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        JsonReport.write(report, stream);
        assertEquals(report, JsonReport.fromJson(stream.toString(StandardCharsets.UTF_8)));
        assertEquals(report.versions().keySet().stream().toList(),
                JsonReport.read(file).versions().keySet().stream().toList(), "versions keep their order");
    }

    @Test
    void nonFiniteNumbersAreQuotedStringsInStandardJson() throws IOException {
        ValidationReport report = ConsoleTableTest.smallReport();
        String json = JsonReport.toJson(report);
        // A plain parser (no ALLOW_NON_NUMERIC_NUMBERS) accepts the file: it is standard JSON.
        JsonNode tree = new ObjectMapper().readTree(json);
        JsonNode inf = tree.at("/runs/0/sources/1/snrDb");
        assertTrue(inf.isTextual(), "+inf SNR is written as a string, got " + inf);
        assertEquals("Infinity", inf.asText());
        assertEquals("-Infinity", tree.at("/runs/1/sources/0/siSdrDb").asText());
        assertEquals("NaN", tree.at("/runs/1/sources/1/maxAbs").asText());
        assertEquals("NaN", tree.at("/runs/1/wallTimeSeconds").asText());
        assertTrue(tree.at("/runs/0/sources/0/snrDb").isNumber());

        ValidationReport back = JsonReport.fromJson(json);
        assertEquals(Double.POSITIVE_INFINITY, back.runs().get(0).sources().get(1).snrDb());
        assertEquals(Double.NEGATIVE_INFINITY, back.runs().get(1).sources().get(0).siSdrDb());
        assertTrue(Double.isNaN(back.runs().get(1).sources().get(1).maxAbs()));
        assertEquals(report, back);
    }

    @Test
    void derivedVerdictsAreWrittenButRecomputedOnReading() throws IOException {
        ValidationReport report = ConsoleTableTest.smallReport(); // one bound fails
        ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(JsonReport.toJson(report));
        assertFalse(tree.get("passed").asBoolean());
        assertTrue(tree.at("/bounds/0/holds").asBoolean());
        assertFalse(tree.at("/bounds/1/holds").asBoolean());
        assertTrue(tree.has("errorSpectrogram") && tree.get("errorSpectrogram").isNull());

        tree.put("passed", true); // a tampered file cannot turn a failure into a pass
        ((ObjectNode) tree.at("/bounds/1")).put("holds", true);
        ValidationReport back = JsonReport.fromJson(tree.toString());
        assertFalse(back.passed());
        assertFalse(back.bounds().get(1).holds());
    }

    @Test
    void unreadableFilesAreNamed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("report.json");
        ObjectNode tree = (ObjectNode) new ObjectMapper().readTree(JsonReport.toJson(ConsoleTableTest.smallReport()));
        tree.put("colour", 1);
        Files.writeString(file, tree.toString());
        IOException e = assertThrows(IOException.class, () -> JsonReport.read(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("colour"), e.getMessage());
        tree.remove("colour");
        tree.remove("referenceRuntime");
        Files.writeString(file, tree.toString());
        e = assertThrows(IOException.class, () -> JsonReport.read(file));
        assertTrue(e.getMessage().contains("needs referenceRuntime"), e.getMessage());
    }
}

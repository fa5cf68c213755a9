package dev.htdemucs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.htdemucs.golden.Golden;
import dev.htdemucs.spi.Plugins;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bench harness end to end on tiny6 with tiny settings: every step runs and the JSON report holds every
 * field. Nothing here asserts a speed (speed goals are benchmarks, not tests); the conversion child is a
 * stub, so what is checked is the measuring, not the converter.
 */
class BenchHarnessTest {
    private static final List<String> TOP = List.of("schema", "started", "total_seconds", "machine",
            "load_average_at_end", "settings", "model", "input", "conversion", "stft", "reference", "separation",
            "goals", "profile");
    private static final List<String> MACHINE = List.of("cores", "cpu_model", "java_version", "java_vm", "os",
            "max_heap_bytes", "memory_bytes", "load_average");
    private static final List<String> SETTINGS = List.of("runtimes", "seconds", "threads", "repeat", "skip",
            "torchscript", "convert_heap", "profile_dir");
    private static final List<String> MODEL = List.of("path", "name", "note", "architecture", "sources",
            "sample_rate", "audio_channels", "segment_samples", "nfft", "hop", "inner_graph_nodes", "load_seconds");
    private static final List<String> INPUT = List.of("source", "seconds", "samples", "channels");
    private static final List<String> CONVERSION = List.of("status", "reason", "command", "heap", "precision",
            "wall_seconds", "in_process_seconds", "peak_rss_bytes", "peak_rss_method", "package_bytes", "exit_code");
    private static final List<String> STFT = List.of("status", "reason", "segment_samples", "channels", "sources",
            "nfft", "hop", "frames", "warmup", "stft_ms", "istft_ms", "istft_one_source_ms", "stft_istft_one_source_ms",
            "stft_istft_all_sources_ms", "stft_istft_one_source_cpu_ms", "stft_istft_all_sources_cpu_ms",
            "stft_plus_istft_ms", "host_threads");
    private static final List<String> STATS = List.of("count", "median", "min", "max");
    private static final List<String> REFERENCE = List.of("status", "reason", "threads", "open_seconds",
            "first_run_seconds", "seconds", "op_profile");
    private static final List<String> OP_TIME = List.of("op", "calls", "wall_seconds", "share");
    private static final List<String> SEPARATION = List.of("runtime", "status", "reason", "threads", "open_seconds",
            "first_run_seconds", "audio_seconds", "segments", "wall_seconds", "seconds_per_segment", "segment_stats",
            "segment_seconds", "rtf", "speed_x_realtime");
    private static final List<String> GOAL = List.of("name", "target", "measured", "met", "note");
    private static final List<String> HOTSPOTS = List.of("jfr_file", "samples", "self_top", "project_top",
            "project_inclusive");

    private static Plugins plugins;

    @BeforeAll static void discoverPlugins() throws Exception {
        plugins = Plugins.fromClassPath();
    }

    private static BenchSettings tinySettings(Path model) {
        return BenchSettings.defaults().withModel(model).withSeconds(1.0).withRepeat(1).withThreads(2)
                .withRuntimes(List.of("reference", "onnxruntime")).withConvertHeap("256m")
                .withConvertMainClass(StubConvertMain.class.getName());
    }

    @Test void everyStepRunsOnTiny6AndTheJsonHasEveryField(@TempDir Path tmp) throws Exception {
        Path model = Golden.tiny6().file("model.th");
        StringWriter progress = new StringWriter();
        BenchReport report = new BenchHarness(plugins, new PrintWriter(progress))
                .run(tinySettings(model).withProfileDir(tmp.resolve("prof")));
        Path json = tmp.resolve("bench.json");
        BenchJson.write(report, json);
        JsonNode root = BenchJson.mapper().readTree(json.toFile());

        assertKeys(root, TOP, "");
        assertEquals(BenchReport.SCHEMA, root.get("schema").asText());
        assertKeys(root.get("machine"), MACHINE, "machine");
        assertTrue(root.get("machine").get("cores").asInt() >= 1);
        assertFalse(root.get("machine").get("cpu_model").asText().isBlank());
        assertKeys(root.get("settings"), SETTINGS, "settings");
        assertEquals("-Xmx256m", root.get("settings").get("convert_heap").asText());
        assertKeys(root.get("model"), MODEL, "model");
        assertEquals(22050, root.get("model").get("segment_samples").asInt(), "tiny6's segment");
        assertEquals(6, root.get("model").get("sources").size());
        assertTrue(root.get("model").get("note").isNull(), "a model given explicitly is no fallback");
        assertKeys(root.get("input"), INPUT, "input");
        assertEquals(44100, root.get("input").get("samples").asInt(), "1 s at 44.1 kHz");

        JsonNode conversion = root.get("conversion");
        assertKeys(conversion, CONVERSION, "conversion");
        assertEquals("ok", conversion.get("status").asText(), () -> conversion.toPrettyString());
        assertEquals(0.12, conversion.get("in_process_seconds").asDouble(), 0, "parsed from the child's time: line");
        assertTrue(conversion.get("peak_rss_bytes").asLong() >= StubConvertMain.RESIDENT_MIB * 1048576L,
                "the child held " + StubConvertMain.RESIDENT_MIB + " MiB resident; measured " + conversion.get("peak_rss_bytes"));
        assertEquals(1000, conversion.get("package_bytes").asLong(), "the stub package is one 1000-byte file");
        assertTrue(conversion.get("command").toString().contains("-Xmx256m"));

        JsonNode stft = root.get("stft");
        assertKeys(stft, STFT, "stft");
        assertEquals("ok", stft.get("status").asText());
        for (String key : List.of("stft_ms", "istft_ms", "istft_one_source_ms", "stft_istft_one_source_ms",
                "stft_istft_all_sources_ms", "stft_istft_one_source_cpu_ms", "stft_istft_all_sources_cpu_ms")) {
            assertKeys(stft.get(key), STATS, "stft." + key);
            assertEquals(SpectrogramBenchmark.MIN_REPEAT, stft.get(key).get("count").asInt(),
                    "--repeat 1 is raised to the STFT step's minimum: " + key);
        }
        assertEquals(22, stft.get("frames").asInt(), "tiny6: 22050 samples / hop 1024, rounded up");
        assertTrue(stft.get("stft_istft_all_sources_ms").get("min").asDouble()
                        > stft.get("stft_ms").get("min").asDouble(),
                "STFT + iSTFT of all sources takes longer than the STFT alone: " + stft);
        assertTrue(stft.get("stft_istft_all_sources_cpu_ms").get("median").asDouble() > 0,
                "CPU time is measured: " + stft);

        JsonNode reference = root.get("reference");
        assertKeys(reference, REFERENCE, "reference");
        assertEquals("ok", reference.get("status").asText(), () -> reference.toPrettyString());
        assertKeys(reference.get("seconds"), STATS, "reference.seconds");
        assertFalse(reference.get("op_profile").isEmpty());
        assertKeys(reference.get("op_profile").get(0), OP_TIME, "reference.op_profile[0]");
        Set<String> ops = new java.util.HashSet<>();
        double shares = 0;
        for (JsonNode op : reference.get("op_profile")) {
            ops.add(op.get("op").asText());
            shares += op.get("share").asDouble();
        }
        assertTrue(ops.contains("conv") && ops.contains("matmul"), "HTDemucs runs conv and matmul: " + ops);
        assertEquals(1.0, shares, 1e-9, "op shares add up to the whole");

        JsonNode separation = root.get("separation");
        assertEquals(2, separation.size());
        for (int i = 0; i < 2; i++) {
            JsonNode s = separation.get(i);
            assertKeys(s, SEPARATION, "separation[" + i + "]");
            assertEquals(List.of("reference", "onnxruntime").get(i), s.get("runtime").asText());
            assertEquals("ok", s.get("status").asText(), () -> s.toPrettyString());
            // 1 s = 44100 samples in segments of 22050 with stride 16537: starts 0, 16537, 33074
            assertEquals(3, s.get("segments").asInt());
            assertEquals(3, s.get("segment_seconds").size(), "one time per segment");
            assertKeys(s.get("segment_stats"), STATS, "separation[" + i + "].segment_stats");
            double sum = 0;
            for (JsonNode t : s.get("segment_seconds")) sum += t.asDouble();
            // the last segment's iSTFT and overlap-add finish after its progress call, so the sum may fall short
            assertTrue(sum > 0 && sum <= s.get("wall_seconds").asDouble() + 1e-6,
                    "segment times lie within the wall time: " + sum + " vs " + s.get("wall_seconds"));
            assertEquals(s.get("wall_seconds").asDouble() / s.get("audio_seconds").asDouble(), s.get("rtf").asDouble(), 1e-9);
        }

        JsonNode goals = root.get("goals");
        assertEquals(5, goals.size());
        for (JsonNode g : goals) assertKeys(g, GOAL, "goals[]");
        for (int i = 0; i < 4; i++) assertTrue(goals.get(i).get("met").isBoolean(), "measured goal " + goals.get(i));
        assertTrue(goals.get(4).get("met").isNull(), "no pytorch runtime ran, so the PyTorch comparison is unmeasured");

        JsonNode profile = root.get("profile");
        assertKeys(profile, List.of("conversion", "reference"), "profile");
        assertKeys(profile.get("conversion"), HOTSPOTS, "profile.conversion");
        assertKeys(profile.get("reference"), HOTSPOTS, "profile.reference");
        assertTrue(Files.isRegularFile(tmp.resolve("prof/conversion.jfr")));
        assertTrue(Files.isRegularFile(tmp.resolve("prof/reference.jfr")));

        StringWriter table = new StringWriter();
        BenchTable.print(report, new PrintWriter(table));
        assertTrue(table.toString().contains("separation: onnxruntime"), table.toString());
        assertTrue(progress.toString().contains("[bench]"), "progress goes to the log");
    }

    @Test void skippedStepsKeepEveryFieldAndSayWhy(@TempDir Path tmp) throws Exception {
        BenchSettings settings = tinySettings(Golden.tiny6().file("model.th"))
                .withSkip(BenchStep.parse(List.of("conversion", "stft", "reference", "separation")));
        BenchReport report = new BenchHarness(plugins, new PrintWriter(new StringWriter())).run(settings);
        Path json = tmp.resolve("bench.json");
        BenchJson.write(report, json);
        JsonNode root = BenchJson.mapper().readTree(json.toFile());
        assertKeys(root, TOP, "");
        assertKeys(root.get("conversion"), CONVERSION, "conversion");
        assertKeys(root.get("stft"), STFT, "stft");
        assertKeys(root.get("reference"), REFERENCE, "reference");
        assertEquals("skipped", root.get("conversion").get("status").asText());
        assertTrue(root.get("conversion").get("wall_seconds").isNull());
        assertEquals("skipped", root.get("stft").get("status").asText());
        assertEquals("skipped", root.get("reference").get("status").asText());
        assertEquals(2, root.get("separation").size());
        for (JsonNode s : root.get("separation")) assertEquals("skipped", s.get("status").asText());
        for (JsonNode g : root.get("goals")) {
            assertTrue(g.get("met").isNull(), "nothing measured: " + g);
            assertTrue(g.get("note").asText().startsWith("not measured"), g.toString());
        }
        assertTrue(root.get("profile").isNull(), "no profile directory given");
    }

    @Test void aFailingConversionIsReportedAndTheRunGoesOn(@TempDir Path tmp) throws Exception {
        Path failing = Files.copy(Golden.tiny6().file("model.th"), tmp.resolve("model.th.fail"));
        BenchReport.Conversion c = ConversionBenchmark.run(tinySettings(failing), failing, tmp.resolve("work"), null);
        assertEquals(StepStatus.FAILED, c.status());
        assertEquals(3, c.exitCode());
        assertTrue(c.reason().contains("exit code 3") && c.reason().contains("stub conversion refuses"), c.reason());
        assertNotNull(c.wallSeconds());
        assertNull(c.inProcessSeconds());
    }

    @Test void unknownStepAndRuntimeNamesAreErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchStep.parse(List.of("stft", "nope")));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("conversion, stft, reference, separation"),
                e.getMessage());
        BenchSettings settings = tinySettings(Golden.tiny6().file("model.th")).withRuntimes(List.of("no-such-runtime"));
        Exception ex = assertThrows(Exception.class,
                () -> new BenchHarness(plugins, new PrintWriter(new StringWriter())).run(settings));
        assertTrue(ex.getMessage().contains("no-such-runtime"), ex.getMessage());
    }

    @Test void theStftStepRepeatsAtLeastItsMinimumAndMoreWhenAsked() {
        assertEquals(SpectrogramBenchmark.MIN_REPEAT, SpectrogramBenchmark.repeats(1));
        assertEquals(SpectrogramBenchmark.MIN_REPEAT, SpectrogramBenchmark.repeats(3), "the harness's default --repeat");
        assertEquals(50, SpectrogramBenchmark.repeats(50));
    }

    @Test void statsReportTheMedian() {
        assertEquals(new Stats(3, 2, 1, 9), Stats.of(9, 1, 2));
        assertEquals(new Stats(4, 2.5, 1, 9), Stats.of(9, 1, 2, 3));
    }

    /** Every expected key is present (a null value counts: it says the figure was not measured). */
    private static void assertKeys(JsonNode node, List<String> expected, String where) {
        assertNotNull(node, where + " is missing");
        assertTrue(node.isObject(), where + " is not an object: " + node);
        List<String> missing = new ArrayList<>();
        for (String key : expected) if (!node.has(key)) missing.add(key);
        List<String> extra = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!expected.contains(key)) extra.add(key);
        }
        assertTrue(missing.isEmpty(), where + " lacks " + missing + ": " + node);
        assertTrue(extra.isEmpty(), where + " has unexpected keys " + extra + " (update the test's field list)");
    }
}

package dev.htdemucs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.htdemucs.golden.Golden;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bench command's wiring; the harness itself is tested in the bench module. */
class BenchCommandTest {
    @Test
    void writesTableAndJsonWithEveryStepSkipped(@TempDir Path tmp) throws Exception {
        Path json = tmp.resolve("bench.json");
        CliRunner.Result r = CliRunner.run("bench", "--model", Golden.tiny6().file("model.th").toString(),
                "--skip", "conversion,stft,reference,separation", "--threads", "1", "--json", json.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("GOAL") && r.out().contains("conversion wall time"), r.out());
        assertTrue(Files.isRegularFile(json), "wrote " + json);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        assertEquals(1, root.get("settings").get("threads").asInt());
        assertEquals("skipped", root.get("conversion").get("status").asText());
        assertEquals(4, root.get("settings").get("skip").size());
    }

    @Test
    void unknownStepIsAUsageError() {
        CliRunner.Result r = CliRunner.run("bench", "--skip", "nope");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: unknown bench step 'nope'"), r.err());
    }
}

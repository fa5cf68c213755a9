package dev.htdemucs.cli;

import dev.htdemucs.golden.Golden;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class InspectCommandTest {
    @Test
    void tiny6CheckpointShowsKwargsSourcesParametersAndOps() {
        CliRunner.Result r = CliRunner.run("inspect", Golden.tiny6().file("model.th").toString());
        assertEquals(0, r.exitCode(), r.err());
        String out = r.out();
        assertTrue(out.contains("sources:      drums, bass, other, vocals, guitar, piano"), out);
        assertTrue(out.contains("22050 samples"), out);
        assertTrue(out.contains("2048 bins x 22 frames"), out);
        assertTrue(out.contains("  channels = 8"), out);
        assertTrue(out.contains("  bottom_channels = 96"), out);
        // meta.json: 755308 parameters, all stored as float16
        assertTrue(out.contains("  float16  755,308"), out);
        assertTrue(out.contains("  total    755,308"), out);
        assertTrue(out.matches("(?s).*\\n  conv\\s+\\d+\\n.*"), out);
        assertTrue(out.contains("output output float32[1,6,2,22050]"), out);
    }

    @Test
    void missingFileIsOneErrorLine() {
        CliRunner.Result r = CliRunner.run("inspect", "/nonexistent/model.th");
        assertEquals(2, r.exitCode());
        assertEquals("error: model file not found (/nonexistent/model.th)", r.err().strip());
    }
}

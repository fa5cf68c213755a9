package dev.htdemucs.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class HtdemucsCommandTest {
    @Test
    void helpListsCommands() {
        CliRunner.Result r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("Usage: htdemucs"), r.out());
        assertTrue(r.out().contains("plugins"), r.out());
    }

    @Test
    void versionNamesTheProduct() {
        CliRunner.Result r = CliRunner.run("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("htdemucs-coreml 0."), r.out());
    }

    @Test
    void pluginsListsKindsNamesDescriptions() {
        CliRunner.Result r = CliRunner.run("plugins");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("KIND"), r.out());
    }

    @Test
    void unknownOptionIsOneErrorLineAndExit2() {
        CliRunner.Result r = CliRunner.run("plugins", "--no-such-option");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: Unknown option: '--no-such-option'"), r.err());
    }

    @Test
    void missingPluginDirIsAnError() {
        CliRunner.Result r = CliRunner.run("plugins", "--plugin-path", "/nonexistent/dir");
        assertEquals(2, r.exitCode());
        assertEquals("error: plugin directory does not exist (/nonexistent/dir)", r.err().strip());
    }
}

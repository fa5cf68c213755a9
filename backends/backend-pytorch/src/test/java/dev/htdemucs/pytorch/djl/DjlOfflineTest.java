package dev.htdemucs.pytorch.djl;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DjlOfflineTest {

    @Test
    void ensureSetsThePropertiesDjlReads() {
        DjlOffline.ensure();
        assertEquals("true", System.getProperty("ai.djl.offline"));
        assertEquals("true", System.getProperty("OPT_OUT_TRACKING"));
    }

    @Test
    void environmentTurningOfflineModeOffIsReported() {
        List<String> problems = DjlOffline.environmentProblems(Map.of("DJL_OFFLINE", "false")::get);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("DJL_OFFLINE=false"), problems.get(0));
        assertTrue(problems.get(0).contains("unset DJL_OFFLINE or set it to true"), problems.get(0));
    }

    @Test
    void absentOrTrueEnvironmentIsFine() {
        assertEquals(List.of(), DjlOffline.environmentProblems(Map.<String, String>of()::get));
        assertEquals(List.of(), DjlOffline.environmentProblems(Map.of("DJL_OFFLINE", "TRUE", "OPT_OUT_TRACKING", "false")::get));
    }

    @Test
    void cacheDirectoryFromEnvironmentWins() {
        assertEquals(Path.of("/somewhere/djl"),
                DjlEngineSettings.ensureCacheDir(Map.of("DJL_CACHE_DIR", "/somewhere/djl")::get));
    }

    @Test
    void cacheDirectoryDefaultsUnderUserCache() {
        String before = System.getProperty("DJL_CACHE_DIR");
        try {
            System.clearProperty("DJL_CACHE_DIR");
            Path dir = DjlEngineSettings.ensureCacheDir(Map.<String, String>of()::get);
            assertEquals(Path.of(System.getProperty("user.home"), ".cache", "htdemucs-coreml", "djl"), dir);
            assertEquals(dir.toString(), System.getProperty("DJL_CACHE_DIR"));
        } finally {
            if (before == null) {
                System.clearProperty("DJL_CACHE_DIR");
            } else {
                System.setProperty("DJL_CACHE_DIR", before);
            }
        }
    }
}

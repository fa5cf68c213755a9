package dev.htdemucs.pytorch.djl;

import dev.htdemucs.golden.Golden;
import dev.htdemucs.spi.Options;
import dev.htdemucs.spi.Session;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Proxy;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nothing may open a network connection, and DJL calls home (cloud instance metadata) when its Engine class
 * initialises unless it is offline. These tests watch every URL connection attempt with {@link NetworkTrap},
 * which refuses them before a socket exists.
 *
 * <p>The surefire configuration already sets {@code DJL_OFFLINE}/{@code OPT_OUT_TRACKING}, and other test
 * classes of this JVM may have initialised DJL earlier, so the decisive check runs in a fresh child JVM with
 * those variables removed, going through the runtime: it must make no attempt. DJL is never initialised
 * without the guard, not even to show that the trap would catch it: the trap's own test uses a reserved
 * ".invalid" host instead.
 */
class OfflineModeTest {
    private static final String TRAP_HOST = "metadata.invalid";

    @Test
    void trapSeesConnectionsOpenedTheWayDjlOpensThem() throws Exception {
        NetworkTrap.install();
        NetworkTrap.clear();
        URL token = new URL("http", TRAP_HOST, "/latest/api/token");
        assertThrows(IOException.class, () -> token.openConnection(Proxy.NO_PROXY));
        assertThrows(IOException.class, () -> new URL("https", "example.invalid", "/model.zip").openStream());
        List<String> attempts = NetworkTrap.attempts();
        assertEquals(2, attempts.size(), "attempts: " + attempts);
        assertTrue(attempts.get(0).contains(TRAP_HOST), attempts.get(0));
        NetworkTrap.clear();
    }

    @Test
    void openAndRunInThisJvmMakeNoConnectionAndLeaveDjlOffline() throws Exception {
        NetworkTrap.install();
        NetworkTrap.clear();
        Path file = Golden.tiny6().file("inner.torchscript.pt");
        try (Session session = new DjlTorchScriptRuntime().open(file, Options.NONE)) {
            session.run(Map.of(
                    "mix", DjlTorchScriptRuntimeTest.input("white_noise/mix.npy"),
                    "spec", DjlTorchScriptRuntimeTest.input("white_noise/spec.npy")));
        }
        assertEquals(List.of(), NetworkTrap.attempts());
        assertEquals("true", System.getProperty(DjlOffline.OFFLINE_PROPERTY));
        assertEquals("true", System.getProperty(DjlOffline.TRACKING_OPT_OUT));
        assertTrue(ai.djl.util.Utils.isOfflineMode(), "DJL's own offline test");
    }

    @Test
    void runtimeAloneKeepsAFreshJvmOffline() throws Exception {
        List<String> out = probe("runtime");
        assertTrue(out.contains("ran.spec_out=float32[1,6,4,2048,22]"), "probe output: " + out);
        assertTrue(out.contains("ran.wave_out=float32[1,6,2,22050]"), "probe output: " + out);
        assertTrue(out.contains("property.ai.djl.offline=true"), "probe output: " + out);
        assertTrue(out.contains("property.OPT_OUT_TRACKING=true"), "probe output: " + out);
        assertTrue(out.contains("djl.isOfflineMode=true"), "probe output: " + out);
        assertTrue(out.contains("attempts=0"), "network attempts in a JVM that used the runtime: " + out);
    }

    /** Runs {@link OfflineProbe} in a new JVM without DJL's offline environment variables or properties. */
    private static List<String> probe(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-cp", classPath, OfflineProbe.class.getName(), mode);
        pb.environment().remove(DjlOffline.OFFLINE_ENV);
        pb.environment().remove(DjlOffline.TRACKING_OPT_OUT);
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        // Same libtorch extraction as this JVM (a fresh one costs 430 MB); not a network setting.
        pb.environment().put(DjlEngineSettings.CACHE_DIR, DjlEngineSettings.ensureCacheDir(System::getenv).toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        List<String> lines = new ArrayList<>();
        try (var reader = p.inputReader(StandardCharsets.UTF_8)) {
            reader.lines().forEach(lines::add);
        }
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("probe " + mode + " did not finish: " + lines);
        }
        assertEquals(0, p.exitValue(), "probe " + mode + " failed: " + String.join("\n", lines));
        List<String> report = lines.stream().map(String::strip).filter(l -> l.matches("[A-Za-z_.]+=.*")).toList();
        System.out.println("offline probe " + mode + ": " + report);
        return report;
    }
}

package dev.htdemucs.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Renders the HTML report in headless Chromium, as a user's browser would, and checks the picture: the page
 * lays out at full width, the verdict badge and the chart bars are drawn in their colours, and the spectrogram
 * PNG decodes. Needs Debian's {@code chromium} (not a CI requirement: skipped when absent). Chromium runs with
 * networking features off and every host name unresolvable, so it cannot fetch anything even by mistake.
 * The screenshot is kept at {@code target/report-screenshot.png} for a human to look at.
 */
class HtmlScreenshotTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final int WIDTH = 1200;
    private static final int HEIGHT = 4200;

    @Test
    void rendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "skipped: " + CHROMIUM + " not installed (apt-get install chromium);"
                + " the HTML structure is still checked by HtmlReportTest");
        Path html = dir.resolve("report.html");
        HtmlReport.write(new SyntheticReport().build("tiny6.th", false), html);
        Path screenshot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.createDirectories(screenshot.getParent());
        Files.deleteIfExists(screenshot);

        Process chromium = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--disable-default-apps", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--hide-scrollbars", "--user-data-dir=" + dir.resolve("profile"), "--screenshot=" + screenshot,
                "--window-size=" + WIDTH + "," + HEIGHT, html.toUri().toString()))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("chromium.log").toFile())
                .start();
        if (!chromium.waitFor(120, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new AssertionError("chromium did not finish within 120 s; log: " + log(dir));
        }
        assertEquals(0, chromium.exitValue(), "chromium exit code; log: " + log(dir));

        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertEquals(WIDTH, image.getWidth());
        assertEquals(HEIGHT, image.getHeight());
        assertTrue(count(image, 0xe2f4e7) > 2000, "the green PASS badge is drawn");
        assertTrue(count(image, 0xf28e2b) > 2000, "the bars of the second run (orange) are drawn");
        assertTrue(count(image, 0xe15759) > 2000, "the bars of the third run (red) are drawn");
        long viridisLike = 0;
        for (int y = 0; y < HEIGHT; y += 2) {
            for (int x = 0; x < WIDTH; x += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                int r = rgb >> 16;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                // viridis greens/yellows: much more green than blue and red not dominant
                if (g > 150 && g > b + 60 && r < g) {
                    viridisLike++;
                }
            }
        }
        assertTrue(viridisLike > 5000, "the spectrogram heat map is drawn (" + viridisLike + " sampled pixels)");
    }

    private static long count(BufferedImage image, int rgb) {
        long count = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xffffff) == rgb) {
                    count++;
                }
            }
        }
        return count;
    }

    private static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("chromium.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}

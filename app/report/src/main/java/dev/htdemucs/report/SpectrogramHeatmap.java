package dev.htdemucs.report;

import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.Locale;

/**
 * Heat map of an {@link ErrorSpectrogram}: time left to right, frequency bottom to top, level as viridis
 * colour over the top {@value #DYNAMIC_RANGE_DB} dB, with a colour bar. The cells are one PNG (a
 * {@code data:} URI, so the page stays self-contained) drawn with hard edges; axes and labels are SVG.
 */
final class SpectrogramHeatmap {

    static final double WIDTH = 1040;
    static final double DYNAMIC_RANGE_DB = 100;
    private static final double LEFT = 64;
    private static final double RIGHT = 110;
    private static final double TOP = 40;
    private static final double PLOT_HEIGHT = 300;
    private static final double HEIGHT = TOP + PLOT_HEIGHT + 56;
    private static final String GRADIENT_ID = "error-spectrogram-colours";

    private SpectrogramHeatmap() {
    }

    /** Top of the colour scale: the loudest finite cell rounded up to 10 dB. */
    static double scaleTopDb(ErrorSpectrogram spectrogram) {
        double peak = ErrorSpectrogram.FLOOR_DB;
        for (float level : spectrogram.levelsDb()) {
            if (Double.isFinite(level)) {
                peak = Math.max(peak, level);
            }
        }
        return Math.max(ErrorSpectrogram.FLOOR_DB + DYNAMIC_RANGE_DB, Math.ceil(peak / 10) * 10);
    }

    static String render(ErrorSpectrogram spectrogram, String referenceLabel) {
        double top = scaleTopDb(spectrogram);
        double bottom = top - DYNAMIC_RANGE_DB;
        double plotWidth = WIDTH - LEFT - RIGHT;
        double plotBottom = TOP + PLOT_HEIGHT;

        SvgCanvas svg = new SvgCanvas("chart spectrogram", WIDTH, HEIGHT, "Error spectrogram of "
                + spectrogram.source() + " (" + spectrogram.runtime() + " " + spectrogram.precision() + " on "
                + spectrogram.caseName() + ") vs " + referenceLabel);
        svg.text("chart-title", LEFT, 22, "start", "|STFT(test − reference)| of " + spectrogram.source()
                + ", channel " + spectrogram.channel() + " — " + spectrogram.runtime() + " "
                + spectrogram.precision() + " on " + spectrogram.caseName() + " vs " + referenceLabel);
        svg.image("heatmap", LEFT, TOP, plotWidth, PLOT_HEIGHT, pngDataUri(spectrogram, bottom, top));
        svg.rect("plot-frame", LEFT, TOP, plotWidth, PLOT_HEIGHT, "none", null);

        double duration = spectrogram.durationSeconds();
        double timeStep = LinearAxis.niceStep(duration / 8);
        for (int i = 0; i * timeStep <= duration * (1 + 1e-9); i++) {
            double t = i * timeStep;
            double x = LEFT + t / duration * plotWidth;
            svg.line("axis", x, plotBottom, x, plotBottom + 4);
            svg.text("tick", x, plotBottom + 17, "middle", tickLabel(t, timeStep));
        }
        svg.text("axis-title", LEFT + plotWidth / 2, plotBottom + 40, "middle", "time (s)");

        double nyquistKhz = spectrogram.maxFrequencyHz() / 1000;
        double frequencyStep = LinearAxis.niceStep(nyquistKhz / 6);
        for (int i = 0; i * frequencyStep <= nyquistKhz * (1 + 1e-9); i++) {
            double f = i * frequencyStep;
            double y = plotBottom - f / nyquistKhz * PLOT_HEIGHT;
            svg.line("axis", LEFT - 4, y, LEFT, y);
            svg.text("tick", LEFT - 6, y + 4, "end", tickLabel(f, frequencyStep));
        }
        svg.text("axis-title", 16, TOP + PLOT_HEIGHT / 2, "middle", -90, "frequency (kHz)");

        double barX = WIDTH - RIGHT + 20;
        svg.markup("<defs><linearGradient id=\"" + GRADIENT_ID + "\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n"
                + Viridis.gradientStops() + "</linearGradient></defs>\n");
        svg.rect("colour-bar", barX, TOP, 16, PLOT_HEIGHT, "url(#" + GRADIENT_ID + ")", null);
        svg.rect("plot-frame", barX, TOP, 16, PLOT_HEIGHT, "none", null);
        for (double level = bottom; level <= top + 1e-9; level += 20) {
            double y = plotBottom - (level - bottom) / DYNAMIC_RANGE_DB * PLOT_HEIGHT;
            svg.line("axis", barX + 16, y, barX + 20, y);
            svg.text("tick", barX + 23, y + 4, "start", String.format(Locale.ROOT, "%.0f", level));
        }
        svg.text("axis-title", barX + 8, TOP - 8, "middle", "dB");
        return svg.finish();
    }

    private static String tickLabel(double value, double step) {
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** One pixel per cell, low frequencies at the bottom. */
    static String pngDataUri(ErrorSpectrogram spectrogram, double bottomDb, double topDb) {
        int width = spectrogram.timeCells();
        int height = spectrogram.frequencyCells();
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int t = 0; t < width; t++) {
            for (int f = 0; f < height; f++) {
                double level = spectrogram.level(t, f);
                image.setRGB(t, height - 1 - f, Viridis.rgb((level - bottomDb) / (topDb - bottomDb)));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        // A memory-cached stream: ImageIO.write(image, "png", stream) would spill to a temporary file.
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(png)) {
            if (!ImageIO.write(image, "png", stream)) {
                throw new IllegalStateException("this Java runtime has no PNG writer (javax.imageio)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the error spectrogram as PNG", e);
        }
        return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
    }
}

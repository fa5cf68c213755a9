package dev.htdemucs.report;

/**
 * The viridis colour map (perceptually uniform, readable in grey and by colour-blind readers), as its eleven
 * published anchor colours at 0, 0.1, …, 1 with linear interpolation between them.
 */
final class Viridis {

    private static final int[] ANCHORS = {0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c, 0x22a884,
            0x44bf70, 0x7ad151, 0xbddf26, 0xfde725};

    private Viridis() {
    }

    /** RGB of position {@code t} in [0, 1] (clamped; NaN maps to 1, the brightest colour). */
    static int rgb(double t) {
        if (Double.isNaN(t)) {
            t = 1;
        }
        double position = Math.max(0, Math.min(1, t)) * (ANCHORS.length - 1);
        int lower = Math.min((int) Math.floor(position), ANCHORS.length - 2);
        double fraction = position - lower;
        int a = ANCHORS[lower];
        int b = ANCHORS[lower + 1];
        return blend(a >> 16, b >> 16, fraction) << 16 | blend(a >> 8, b >> 8, fraction) << 8 | blend(a, b, fraction);
    }

    static String hex(double t) {
        return String.format(java.util.Locale.ROOT, "#%06x", rgb(t));
    }

    /** The anchors as SVG gradient stops, bottom (0) to top (1) when used with y1 = 1, y2 = 0. */
    static String gradientStops() {
        StringBuilder stops = new StringBuilder();
        for (int i = 0; i < ANCHORS.length; i++) {
            stops.append("<stop offset=\"").append(i * 10).append("%\" stop-color=\"")
                    .append(String.format(java.util.Locale.ROOT, "#%06x", ANCHORS[i])).append("\"/>\n");
        }
        return stops.toString();
    }

    private static int blend(int a, int b, double fraction) {
        int from = a & 0xff;
        int to = b & 0xff;
        return (int) Math.round(from + (to - from) * fraction);
    }
}

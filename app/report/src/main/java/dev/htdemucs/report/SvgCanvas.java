package dev.htdemucs.report;

import java.util.Locale;

/**
 * Writes one inline SVG element as well-formed XML (every value escaped, every element closed), with
 * coordinates rounded to 0.1 px. The only URI it ever writes is the SVG namespace.
 */
final class SvgCanvas {

    static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    private final StringBuilder out = new StringBuilder(8192);
    private boolean closed;

    /** Opens {@code <svg>} of the given size; {@code title} becomes its accessible name. */
    SvgCanvas(String cssClass, double width, double height, String title) {
        out.append("<svg xmlns=\"").append(SVG_NAMESPACE).append("\" class=\"").append(Markup.escape(cssClass))
                .append("\" width=\"").append(px(width)).append("\" height=\"").append(px(height))
                .append("\" viewBox=\"0 0 ").append(px(width)).append(' ').append(px(height))
                .append("\" role=\"img\">\n<title>").append(Markup.escape(title)).append("</title>\n");
    }

    static String px(double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("SVG coordinate must be finite, got " + value);
        }
        String text = String.format(Locale.ROOT, "%.1f", value);
        if (text.endsWith(".0")) {
            text = text.substring(0, text.length() - 2);
        }
        return text.equals("-0") ? "0" : text;
    }

    SvgCanvas rect(String cssClass, double x, double y, double width, double height, String fill, String tooltip) {
        out.append("<rect");
        attribute("class", cssClass);
        out.append(" x=\"").append(px(x)).append("\" y=\"").append(px(y)).append("\" width=\"")
                .append(px(Math.max(0, width))).append("\" height=\"").append(px(Math.max(0, height))).append('"');
        attribute("fill", fill);
        closeWithTooltip("rect", tooltip);
        return this;
    }

    SvgCanvas line(String cssClass, double x1, double y1, double x2, double y2) {
        out.append("<line");
        attribute("class", cssClass);
        out.append(" x1=\"").append(px(x1)).append("\" y1=\"").append(px(y1)).append("\" x2=\"").append(px(x2))
                .append("\" y2=\"").append(px(y2)).append("\"/>\n");
        return this;
    }

    SvgCanvas path(String cssClass, String data, String stroke) {
        out.append("<path");
        attribute("class", cssClass);
        attribute("d", data);
        attribute("stroke", stroke);
        out.append("/>\n");
        return this;
    }

    SvgCanvas circle(String cssClass, double cx, double cy, double r, String fill, String tooltip) {
        out.append("<circle");
        attribute("class", cssClass);
        out.append(" cx=\"").append(px(cx)).append("\" cy=\"").append(px(cy)).append("\" r=\"").append(px(r))
                .append('"');
        attribute("fill", fill);
        closeWithTooltip("circle", tooltip);
        return this;
    }

    /** Text anchored at (x, y); {@code anchor} is start, middle or end. */
    SvgCanvas text(String cssClass, double x, double y, String anchor, String content) {
        return text(cssClass, x, y, anchor, 0, content);
    }

    /** Text rotated by {@code degrees} around its anchor. */
    SvgCanvas text(String cssClass, double x, double y, String anchor, double degrees, String content) {
        out.append("<text");
        attribute("class", cssClass);
        out.append(" x=\"").append(px(x)).append("\" y=\"").append(px(y)).append('"');
        attribute("text-anchor", anchor);
        if (degrees != 0) {
            out.append(" transform=\"rotate(").append(px(degrees)).append(' ').append(px(x)).append(' ')
                    .append(px(y)).append(")\"");
        }
        out.append('>').append(Markup.escape(content)).append("</text>\n");
        return this;
    }

    /** A raster image given as a {@code data:} URI, stretched to the box with hard cell edges. */
    SvgCanvas image(String cssClass, double x, double y, double width, double height, String dataUri) {
        if (!dataUri.startsWith("data:")) {
            throw new IllegalArgumentException("the report embeds images only as data: URIs (it must render offline)");
        }
        out.append("<image");
        attribute("class", cssClass);
        out.append(" x=\"").append(px(x)).append("\" y=\"").append(px(y)).append("\" width=\"").append(px(width))
                .append("\" height=\"").append(px(height)).append("\" preserveAspectRatio=\"none\"");
        attribute("href", dataUri);
        out.append("/>\n");
        return this;
    }

    /** Raw, already well-formed markup produced by this package (gradients, groups). */
    SvgCanvas markup(String wellFormed) {
        out.append(wellFormed);
        return this;
    }

    String finish() {
        if (!closed) {
            out.append("</svg>\n");
            closed = true;
        }
        return out.toString();
    }

    private void attribute(String name, String value) {
        if (value != null) {
            out.append(' ').append(name).append("=\"").append(Markup.escape(value)).append('"');
        }
    }

    private void closeWithTooltip(String element, String tooltip) {
        if (tooltip == null) {
            out.append("/>\n");
        } else {
            out.append("><title>").append(Markup.escape(tooltip)).append("</title></").append(element).append(">\n");
        }
    }
}

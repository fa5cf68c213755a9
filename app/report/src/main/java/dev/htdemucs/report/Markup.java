package dev.htdemucs.report;

/**
 * Escaping of text that goes into the HTML page and its inline SVG. Model, case, source and runtime names
 * come from files and command lines, so every one of them passes through {@link #escape} — in element text
 * and in attribute values alike.
 */
final class Markup {

    private Markup() {
    }

    /**
     * Escapes {@code & < > " '} and replaces characters XML 1.0 forbids (controls other than tab, line feed and
     * carriage return; unpaired surrogates; U+FFFE/U+FFFF) with U+FFFD, so the result is safe in HTML text,
     * in quoted attribute values, and in SVG parsed as XML.
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c) && i + 1 < text.length()
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        out.append(c).append(text.charAt(++i));
                    } else if (allowedInXml(c)) {
                        out.append(c);
                    } else {
                        out.append('\uFFFD');
                    }
                }
            }
        }
        return out.toString();
    }

    private static boolean allowedInXml(char c) {
        if (Character.isSurrogate(c)) {
            return false; // paired surrogates were handled by the caller
        }
        return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0xFFFE && c != 0xFFFF);
    }
}

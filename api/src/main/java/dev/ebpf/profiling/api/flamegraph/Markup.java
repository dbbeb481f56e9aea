package dev.ebpf.profiling.api.flamegraph;

/**
 * Escaping for the places a frame name or title lands: XML/HTML text and attributes, and JSON
 * inside a {@code <script>} element. Frame names come from binaries and JIT maps, so they can
 * hold anything ({@code operator<}, {@code "}, {@code </script>}, control bytes).
 */
public final class Markup {

    private Markup() {}

    /**
     * Text safe in XML/HTML text and in double- or single-quoted attributes. Characters XML 1.0
     * forbids (control characters other than tab, newline, carriage return; lone surrogates) become
     * U+FFFD, so the SVG always parses.
     */
    public static String xml(String text) {
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
                    if (Character.isHighSurrogate(c)
                            && i + 1 < text.length()
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

    /**
     * JSON text made safe to sit between {@code <script>} and {@code </script>}: no '<', '>' or
     * '&' (so no {@code </script>} or {@code <!--}), and no U+2028/U+2029. All are escaped as
     * {@code \\uXXXX}, which JSON.parse reads back unchanged; they can only occur inside strings.
     */
    static String scriptSafeJson(String json) {
        StringBuilder out = new StringBuilder(json.length() + 16);
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            switch (c) {
                case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean allowedInXml(char c) {
        return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD);
    }
}

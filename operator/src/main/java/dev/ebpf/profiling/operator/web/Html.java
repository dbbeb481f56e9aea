package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.flamegraph.Markup;
import java.nio.charset.StandardCharsets;

/**
 * Escaping and the page frame shared by the web view's HTML pages. Everything shown comes from the
 * cluster (job, node and application names, some of them process names chosen by whoever runs the
 * process), so every value goes through {@link #text} or {@link #segment} on its way out.
 */
final class Html {

    /** Inline, so the pages need nothing from the network (and the CSP forbids it anyway). */
    private static final String STYLE = """
            body{font-family:system-ui,Verdana,Arial,sans-serif;margin:1.5em;color:#222}
            h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.4em 0 .4em}
            table{border-collapse:collapse;font-size:.9em}
            th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
            th{background:#f2f2f2}td.num{text-align:right}
            tr:target{background:#fff3c4}
            .muted{color:#777}.warn{color:#a40}
            nav{margin-bottom:1em;font-size:.9em}
            ul.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:1.2em}
            ul.legend span.swatch{display:inline-block;width:1.4em;height:.5em;margin-right:.4em}
            svg text{font-size:11px;fill:#444}
            """;

    private Html() {}

    /** Text safe in HTML text and in quoted attributes (the flame graph's own escaping); null is shown as nothing. */
    static String text(String value) {
        return value == null ? "" : Markup.xml(value);
    }

    /**
     * One URL path segment: letters, digits and {@code -._~} stay, every other UTF-8 byte is
     * percent-encoded (so a name cannot add segments, a query or a fragment to a link).
     */
    static String segment(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** A whole page: {@code title} is plain text, {@code body} is HTML already escaped. */
    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<title>" + text(title) + "</title>\n<style>\n" + STYLE + "</style>\n</head>\n<body>\n"
                + body + "</body>\n</html>\n";
    }
}

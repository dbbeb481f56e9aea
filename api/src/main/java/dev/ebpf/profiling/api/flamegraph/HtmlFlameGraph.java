package dev.ebpf.profiling.api.flamegraph;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A self-contained interactive flame graph page: the call tree as JSON plus the script and style
 * (flamegraph.js, flamegraph.css, inlined from this package's resources) that draw it as SVG.
 * Click a frame to zoom into it, search by regular expression to highlight, reset to zoom out;
 * the tooltip gives samples and share. Nothing is fetched: the page works offline.
 *
 * <p>The tree is sent as {@code {"root": [nameIndex, samples, [children...]], "names": [...],
 * "colors": [...]}}: each distinct name (and its colour) once, since the same functions recur
 * under many callers.
 */
public final class HtmlFlameGraph {

    private static final JsonFactory JSON = new JsonFactory();
    private static final String SCRIPT = resource("flamegraph.js");
    private static final String STYLE = resource("flamegraph.css");

    private HtmlFlameGraph() {}

    public static String render(FlameNode root, FlameGraphOptions options) {
        String title = Markup.xml(options.title());
        StringBuilder html = new StringBuilder(4096 + (int) Math.min(Integer.MAX_VALUE / 2, root.samples()));
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(title)
                .append("</title>\n")
                .append("<style>\n")
                .append(STYLE)
                .append("</style>\n</head>\n")
                .append("<body data-kind=\"")
                .append(options.kind().id())
                .append("\">\n")
                .append("<header>\n<h1 id=\"title\">")
                .append(title)
                .append("</h1>\n")
                .append("<p id=\"subtitle\">")
                .append(Markup.xml(options.subtitle()))
                .append("</p>\n")
                .append("<div class=\"controls\">")
                .append("<input id=\"search\" type=\"search\" placeholder=\"Search (regular expression)\"")
                .append(" aria-label=\"Search frames\">")
                .append("<button id=\"reset\" type=\"button\">Reset zoom</button>")
                .append("<span id=\"matched\" aria-live=\"polite\"></span></div>\n</header>\n")
                .append(
                        "<svg id=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"title\"></svg>\n")
                .append("<div id=\"details\" aria-live=\"polite\">&#160;</div>\n")
                .append("<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n")
                .append("<script type=\"application/json\" id=\"flame-data\">")
                .append(Markup.scriptSafeJson(data(root, options)))
                .append("</script>\n<script>\n")
                .append(SCRIPT)
                .append("</script>\n</body>\n</html>\n");
        return html.toString();
    }

    /** The JSON the page's script reads, written with a streaming generator: trees are large. */
    static String data(FlameNode root, FlameGraphOptions options) {
        Map<String, Integer> names = new LinkedHashMap<>();
        StringWriter out = new StringWriter();
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("kind", options.kind().id());
            json.writeStringField("unit", options.unit());
            json.writeNumberField("width", options.width());
            json.writeFieldName("root");
            writeNode(json, root, names);
            json.writeArrayFieldStart("names");
            for (String name : names.keySet()) {
                json.writeString(name);
            }
            json.writeEndArray();
            // Colours are computed here, once per distinct name, so the page has no palette of its own.
            json.writeArrayFieldStart("colors");
            for (String name : names.keySet()) {
                json.writeString(options.kind().color(name));
            }
            json.writeEndArray();
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode flame graph data: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /** {@code [nameIndex, samples, [children...]]}. */
    private static void writeNode(JsonGenerator json, FlameNode node, Map<String, Integer> names) throws IOException {
        json.writeStartArray();
        json.writeNumber(names.computeIfAbsent(node.name(), name -> names.size()));
        json.writeNumber(node.samples());
        json.writeStartArray();
        for (FlameNode child : node.children()) {
            writeNode(json, child, names);
        }
        json.writeEndArray();
        json.writeEndArray();
    }

    private static String resource(String name) {
        try (InputStream in = HtmlFlameGraph.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("flame graph resource " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read flame graph resource " + name, e);
        }
    }
}

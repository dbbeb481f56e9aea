package dev.ebpf.profiling.agent.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A strict reader of the Prometheus text format (0.0.4), written from the format's description
 * rather than with the client library under test, so a writer bug cannot hide behind a matching
 * reader bug. A line it cannot read fails the test.
 */
final class PrometheusText {

    private final List<ScrapedSample> samples;

    private PrometheusText(List<ScrapedSample> samples) {
        this.samples = samples;
    }

    static PrometheusText parse(String text) {
        List<ScrapedSample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(sample(line));
            }
        }
        return new PrometheusText(samples);
    }

    List<ScrapedSample> samples() {
        return samples;
    }

    /** The distinct sample names, e.g. {@code x_total} or {@code y_bucket}. */
    Set<String> names() {
        Set<String> names = new TreeSet<>();
        samples.forEach(sample -> names.add(sample.name()));
        return names;
    }

    /** The samples called {@code name}. */
    List<ScrapedSample> named(String name) {
        return samples.stream().filter(sample -> sample.name().equals(name)).toList();
    }

    /** The value of the one sample called {@code name} whose labels include {@code labels}. */
    double value(String name, Map<String, String> labels) {
        List<ScrapedSample> matching = named(name).stream()
                .filter(sample -> sample.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        if (matching.size() != 1) {
            throw new AssertionError(
                    matching.size() + " samples " + name + labels + " in the scrape, not 1: " + named(name));
        }
        return matching.getFirst().value();
    }

    private static ScrapedSample sample(String line) {
        int nameEnd = 0;
        while (nameEnd < line.length() && line.charAt(nameEnd) != '{' && line.charAt(nameEnd) != ' ') {
            nameEnd++;
        }
        String name = line.substring(0, nameEnd);
        Map<String, String> labels = new LinkedHashMap<>();
        int at = nameEnd;
        if (at < line.length() && line.charAt(at) == '{') {
            at = labels(line, at + 1, labels);
        }
        String[] rest = line.substring(at).trim().split(" ");
        if (name.isEmpty() || rest.length < 1 || rest.length > 2) {
            throw new AssertionError("not a sample line: " + line);
        }
        return new ScrapedSample(name, labels, value(rest[0]));
    }

    /** Reads {@code a="x",b="y"}} from {@code at}; returns the index after the closing brace. */
    private static int labels(String line, int at, Map<String, String> labels) {
        while (line.charAt(at) != '}') {
            int equals = line.indexOf('=', at);
            String key = line.substring(at, equals);
            if (line.charAt(equals + 1) != '"') {
                throw new AssertionError("label " + key + " is not quoted: " + line);
            }
            StringBuilder value = new StringBuilder();
            int i = equals + 2;
            for (; line.charAt(i) != '"'; i++) {
                char c = line.charAt(i);
                if (c == '\\') {
                    char escaped = line.charAt(++i);
                    value.append(escaped == 'n' ? '\n' : escaped);
                } else {
                    value.append(c);
                }
            }
            if (labels.put(key, value.toString()) != null) {
                throw new AssertionError("label " + key + " twice: " + line);
            }
            at = i + 1;
            if (line.charAt(at) == ',') {
                at++;
            }
        }
        return at + 1;
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}

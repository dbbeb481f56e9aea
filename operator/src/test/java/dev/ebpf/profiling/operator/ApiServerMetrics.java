package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts API requests from the API server's {@code apiserver_request_total} metric, read from
 * {@code /metrics} before and after: by verb and resource, every client's (the metric has no user
 * label). A server that does not serve it (no permission, the Fabric8 mock server) gives no counts.
 */
final class ApiServerMetrics implements ClusterSimulator.RequestCounter {

    static final String UNAVAILABLE = "unavailable";
    private static final Pattern SERIES = Pattern.compile("^apiserver_request_total\\{([^}]*)}\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private final KubernetesClient client;
    private Map<String, Long> before;

    ApiServerMetrics(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void start() {
        before = read();
    }

    @Override
    public Map<String, Long> stop() {
        Map<String, Long> after = read();
        if (before == null || after == null) {
            return null;
        }
        Map<String, Long> delta = new HashMap<>();
        after.forEach((key, n) -> {
            long d = n - before.getOrDefault(key, 0L);
            if (d > 0) {
                delta.put(key, d);
            }
        });
        return delta;
    }

    @Override
    public String source() {
        return before == null ? UNAVAILABLE : "apiserver_request_total (all clients)";
    }

    /** Requests by "VERB resource" (the write verbs as HTTP methods: POST, PUT, PATCH, DELETE), or null. */
    private Map<String, Long> read() {
        String text;
        try {
            text = client.raw("/metrics");
        } catch (KubernetesClientException e) {
            return null;
        }
        if (text == null || !text.contains("apiserver_request_total")) {
            return null;
        }
        return parse(text);
    }

    static Map<String, Long> parse(String text) {
        Map<String, Long> counts = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher series = SERIES.matcher(line.strip());
            if (!series.matches()) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher label = LABEL.matcher(series.group(1));
            while (label.find()) {
                labels.put(label.group(1), label.group(2));
            }
            String verb = switch (labels.getOrDefault("verb", "")) {
                case "CREATE" -> "POST";
                case "UPDATE" -> "PUT";
                case "APPLY" -> "PATCH";
                default -> labels.getOrDefault("verb", "");
            };
            String key = verb + " " + labels.getOrDefault("resource", "");
            counts.merge(key, (long) Double.parseDouble(series.group(2)), Long::sum);
        }
        return counts;
    }
}

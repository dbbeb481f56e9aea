package dev.ebpf.profiling.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.ProfileJson;
import java.util.Iterator;
import java.util.Map;

/**
 * A ProfilingJob's status laid out as {@code kubectl describe} lays out a custom resource: keys in
 * Title Case ("Node Counts:"), nested maps indented, list items under a dash. For the docs'
 * rendering of a status at 5,000 nodes (the simulator and the status-size test write it).
 */
final class Describe {

    private Describe() {}

    static String status(ProfilingJob job) {
        StringBuilder out = new StringBuilder();
        out.append("Name:         ").append(job.getMetadata().getName()).append('\n');
        out.append("Namespace:    ").append(job.getMetadata().getNamespace()).append('\n');
        out.append("API Version:  ").append(job.getApiVersion()).append('\n');
        out.append("Kind:         ").append(job.getKind()).append('\n');
        out.append("Status:\n");
        JsonNode status = ProfileJson.mapper().valueToTree(job.getStatus());
        map(status, 1, out);
        return out.toString();
    }

    private static void map(JsonNode node, int depth, StringBuilder out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String key = "  ".repeat(depth) + title(field.getKey()) + ":";
            JsonNode value = field.getValue();
            if (value.isObject()) {
                out.append(key).append('\n');
                map(value, depth + 1, out);
            } else if (value.isArray()) {
                out.append(key).append('\n');
                for (JsonNode item : value) {
                    if (item.isObject()) {
                        out.append("  ".repeat(depth + 1)).append("-\n");
                        map(item, depth + 2, out);
                    } else {
                        out.append("  ".repeat(depth + 1)).append(item.asText()).append('\n');
                    }
                }
            } else {
                out.append(key)
                        .append(" ".repeat(Math.max(2, 24 - key.length())))
                        .append(value.asText())
                        .append('\n');
            }
        }
    }

    /** lastTransitionTime -> Last Transition Time, as kubectl describe writes keys. */
    static String title(String key) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (i == 0) {
                out.append(Character.toUpperCase(c));
            } else if (Character.isUpperCase(c) && !Character.isUpperCase(key.charAt(i - 1))) {
                out.append(' ').append(c);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}

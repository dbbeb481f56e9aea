package dev.ebpf.profiling.agent.metrics;

import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.PodRef;
import io.prometheus.metrics.core.metrics.Gauge;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-application CPU% gauge of the newest slice, one series per top application and node.
 * Each slice replaces its node's series: the ones of applications that left the top list are
 * removed, so a node never has more series than its top list (a gauge left behind would show a
 * stale CPU% forever).
 */
final class ApplicationCpu {

    /** Label names in the order of {@link #labelValues}; empty values mean "not a pod" or "not known yet". */
    static final List<String> LABELS = List.of(AgentMetrics.NODE, "application", "namespace", "pod", "container");

    private final Gauge gauge;
    /** The label values shown for each node, to know what the next slice of that node replaces. */
    private final Map<String, Set<List<String>>> shown = new HashMap<>();

    ApplicationCpu(Gauge gauge) {
        this.gauge = gauge;
    }

    /** Shows {@code node}'s newest top list, replacing what its previous slice showed. */
    synchronized void show(String node, List<ApplicationUsage> topApplications) {
        Map<List<String>, Double> next = new LinkedHashMap<>();
        for (ApplicationUsage application : topApplications) {
            // Names are unique in a top list; should two ever share labels, their shares add up.
            next.merge(labelValues(node, application), application.cpuPercent(), Double::sum);
        }
        // Set the new values before removing the old series, so a scrape in between sees no gap.
        next.forEach((labels, percent) ->
                gauge.labelValues(labels.toArray(String[]::new)).set(percent));
        shown.getOrDefault(node, Set.of()).stream()
                .filter(labels -> !next.containsKey(labels))
                .forEach(labels -> gauge.remove(labels.toArray(String[]::new)));
        shown.put(node, Set.copyOf(next.keySet()));
    }

    private static List<String> labelValues(String node, ApplicationUsage application) {
        PodRef pod = application.pod();
        if (pod == null) {
            return List.of(node, application.name(), "", "", "");
        }
        return List.of(
                node, application.name(), orEmpty(pod.namespace()), orEmpty(pod.name()), orEmpty(pod.container()));
    }

    private static String orEmpty(String value) {
        return value == null ? "" : value;
    }
}

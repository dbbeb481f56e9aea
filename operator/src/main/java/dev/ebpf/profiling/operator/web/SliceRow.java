package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.operator.NodeResult;
import dev.ebpf.profiling.operator.ProfileMerger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * One slice of a job across its nodes: its window, each node's result, and the applications
 * merged across nodes exactly as the operator merges them into the status (by samples).
 *
 * @param id           the slice label, such as 20261126T120500Z
 * @param start        the earliest node start, or null when no profile says
 * @param end          the latest node end, or null
 * @param nodes        the nodes' results, by node name
 * @param applications every application the nodes reported, busiest first
 */
record SliceRow(String id, Instant start, Instant end, List<NodeSlice> nodes, List<ApplicationStatus> applications) {

    /** The slices of a job's results, oldest first (slice labels sort in time order). */
    static List<SliceRow> oldestFirst(List<NodeSlice> results) {
        Map<String, List<NodeSlice>> bySlice = results.stream()
                .collect(Collectors.groupingBy(r -> r.result().slice(), TreeMap::new, Collectors.toList()));
        List<SliceRow> rows = new ArrayList<>(bySlice.size());
        bySlice.forEach((id, nodes) -> {
            List<NodeSlice> sorted = nodes.stream()
                    .sorted(Comparator.comparing(n -> n.result().node()))
                    .toList();
            List<NodeResult> merged = sorted.stream().map(NodeSlice::result).toList();
            Instant start = merged.stream()
                    .map(r -> r.profile().start())
                    .filter(Objects::nonNull)
                    .min(Comparator.naturalOrder())
                    .orElse(null);
            Instant end = merged.stream()
                    .map(r -> r.profile().end())
                    .filter(Objects::nonNull)
                    .max(Comparator.naturalOrder())
                    .orElse(null);
            rows.add(new SliceRow(
                    id,
                    start,
                    end,
                    sorted,
                    ProfileMerger.merge(merged, Integer.MAX_VALUE).applications()));
        });
        return rows;
    }

    /** The busiest application across the nodes, or null when no node reported one. */
    ApplicationStatus topApplication() {
        return applications.isEmpty() ? null : applications.getFirst();
    }

    /** The node's result in this slice, or null when the node did not report it. */
    NodeSlice node(String node) {
        return nodes.stream()
                .filter(n -> n.result().node().equals(node))
                .findFirst()
                .orElse(null);
    }
}

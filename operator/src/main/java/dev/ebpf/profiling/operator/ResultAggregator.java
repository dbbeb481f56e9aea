package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Finds a job's result ConfigMaps, picks the newest complete slice, and prunes old slices.
 *
 * <p>A slice is complete when every target node has reported it. A slice that is still incomplete
 * {@code grace} after its end is taken as it is (the job is then Degraded), so one dead node cannot
 * stall the status. Slice labels sort in time order (see {@link AgentContract#sliceLabel}).
 *
 * <p>In trigger mode a slice starts when a node's trigger fires, so different nodes' slices do not
 * line up: each node's result is complete by itself, and retention counts each node's slices.
 */
public final class ResultAggregator {

    /** The job's results: those that could be read, and one line per ConfigMap that could not. */
    public record Collected(List<NodeResult> results, List<String> unreadable) {}

    /**
     * @param slice        the chosen slice's label, or null when no slice is ready
     * @param results      its node results
     * @param missingNodes target nodes without a result in it
     * @param newSlices    ready slices newer than the last merged one (this one included; 0 when
     *                     the chosen slice is the last merged one, re-merged with a late node)
     * @param recheckAfter when a newer incomplete slice will have waited out its grace; null if none
     */
    public record Choice(
            String slice, List<NodeResult> results, Set<String> missingNodes, int newSlices, Duration recheckAfter) {}

    private final KubernetesClient client;

    public ResultAggregator(KubernetesClient client) {
        this.client = client;
    }

    /** Reads the job's result ConfigMaps (see {@link AgentReports}); one line for each that cannot be read. */
    public static Collected collect(List<ConfigMap> resultConfigMaps) {
        List<NodeResult> results = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        for (ConfigMap cm : resultConfigMaps) {
            try {
                results.add(ResultReader.read(cm));
            } catch (IllegalArgumentException e) {
                unreadable.add(e.getMessage());
            }
        }
        return new Collected(results, unreadable);
    }

    /** {@link #chooseTriggered} in trigger mode, else {@link #choose}. */
    public static Choice choose(
            Mode mode,
            Collection<NodeResult> results,
            Set<String> targetNodes,
            String lastMerged,
            int lastMergedNodes,
            Instant now,
            Duration grace) {
        return mode == Mode.TRIGGER
                ? chooseTriggered(results, lastMerged, lastMergedNodes)
                : choose(results, targetNodes, lastMerged, lastMergedNodes, now, grace);
    }

    /**
     * Trigger mode: the newest slice, with every node that fired in that second; no node is missing
     * from it, since the others did not fire. {@code newSlices} counts node windows, not labels: two
     * nodes firing in the same second profiled two windows.
     *
     * @param lastMerged      the slice the status shows, or null
     * @param lastMergedNodes how many nodes the status shows for it
     */
    public static Choice chooseTriggered(Collection<NodeResult> results, String lastMerged, int lastMergedNodes) {
        TreeMap<String, List<NodeResult>> bySlice = bySlice(results);
        int windows = 0;
        for (var entry : (lastMerged == null ? bySlice : bySlice.tailMap(lastMerged, true)).entrySet()) {
            int nodes = (int)
                    entry.getValue().stream().map(NodeResult::node).distinct().count();
            windows += entry.getKey().equals(lastMerged) ? Math.max(0, nodes - lastMergedNodes) : nodes;
        }
        if (windows == 0) {
            return new Choice(null, List.of(), Set.of(), 0, null);
        }
        var newest = bySlice.lastEntry();
        return new Choice(newest.getKey(), newest.getValue(), Set.of(), windows, null);
    }

    /**
     * @param lastMerged      the slice the status shows, or null
     * @param lastMergedNodes how many nodes the status shows for it: a late node's result re-merges it
     */
    public static Choice choose(
            Collection<NodeResult> results,
            Set<String> targetNodes,
            String lastMerged,
            int lastMergedNodes,
            Instant now,
            Duration grace) {
        NavigableMap<String, List<NodeResult>> bySlice = bySlice(results);
        String chosen = null;
        int newSlices = 0;
        Duration recheck = null;
        for (var entry : bySlice.descendingMap().entrySet()) {
            String slice = entry.getKey();
            int older = lastMerged == null ? 1 : slice.compareTo(lastMerged);
            if (older < 0) {
                break;
            }
            Set<String> reported =
                    entry.getValue().stream().map(NodeResult::node).collect(Collectors.toSet());
            boolean complete = reported.containsAll(targetNodes);
            Instant end = entry.getValue().stream()
                    .map(r -> r.profile().end())
                    .filter(Objects::nonNull)
                    .max(Comparator.naturalOrder())
                    .orElse(now);
            Instant deadline = end.plus(grace);
            if (!complete && deadline.isAfter(now)) {
                if (chosen == null) {
                    recheck = Duration.between(now, deadline);
                }
                continue;
            }
            if (older == 0) {
                if (chosen == null && reported.size() > lastMergedNodes) {
                    chosen = slice; // the merged slice again, now with a late node's result
                }
                break;
            }
            newSlices++;
            if (chosen == null) {
                chosen = slice;
            }
        }
        if (chosen == null) {
            return new Choice(null, List.of(), Set.of(), 0, recheck);
        }
        List<NodeResult> slice = bySlice.get(chosen);
        Set<String> missing = new java.util.TreeSet<>(targetNodes);
        slice.forEach(r -> missing.remove(r.node()));
        return new Choice(chosen, slice, missing, newSlices, recheck);
    }

    /**
     * Deletes the result ConfigMaps of all but the newest {@code retention} slices of what
     * {@link #collect} found, the snapshot the slices were counted from: a slice that arrived since
     * was not counted yet and is not touched. In trigger mode each node keeps its newest
     * {@code retention} slices, as its agent does. Returns how many ConfigMaps went.
     */
    public int prune(ProfilingJob job, Collected collected, int retention) {
        Collection<List<NodeResult>> groups = job.getSpec().mode == Mode.TRIGGER
                ? collected.results().stream()
                        .collect(Collectors.groupingBy(NodeResult::node))
                        .values()
                : List.of(collected.results());
        int deleted = 0;
        for (List<NodeResult> group : groups) {
            TreeMap<String, List<NodeResult>> bySlice = bySlice(group);
            while (bySlice.size() > retention) {
                for (NodeResult old : bySlice.pollFirstEntry().getValue()) {
                    client.configMaps()
                            .inNamespace(job.getMetadata().getNamespace())
                            .withName(old.configMap())
                            .delete();
                    deleted++;
                }
            }
        }
        return deleted;
    }

    private static TreeMap<String, List<NodeResult>> bySlice(Collection<NodeResult> results) {
        return results.stream().collect(Collectors.groupingBy(NodeResult::slice, TreeMap::new, Collectors.toList()));
    }
}

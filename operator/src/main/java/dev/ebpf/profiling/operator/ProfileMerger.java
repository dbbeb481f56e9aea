package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.api.job.HotspotStatus;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.job.SliceStatus;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.Frame;
import dev.ebpf.profiling.api.profile.Hotspot;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Merges the node results of one slice into the job's status figures. When every node took CPU%
 * from samples, an application's CPU% is its samples summed over the nodes it ran on, over those
 * nodes' sampling capacity (frequency x seconds x CPUs). When some node counted the kernel's
 * running time (sched_switch), it is the application's CPU time summed over its nodes (each node's
 * CPU% x seconds x CPUs) over those nodes' CPU seconds, and applications rank by that time. A
 * hotspot's share is its samples over all samples of the slice. Percentages are never averaged,
 * so a node that sampled more counts more.
 */
public final class ProfileMerger {

    /** The merged slice, ready for the status. */
    public record Merged(SliceStatus slice, List<ApplicationStatus> applications, List<HotspotStatus> hotspots) {}

    /** Distinct perf events a slice names (nodes of one cluster use one or two). */
    private static final int EVENTS_NAMED = 4;
    /** Characters of a frame or application name in the status (the result ConfigMap keeps whole stacks). */
    static final int NAME_MAX = 256;

    private ProfileMerger() {}

    /** {@code SliceStatus.cpuSource} when the nodes took their CPU% from different sources. */
    public static final String CPU_FROM_MIXED = "mixed";

    public static Merged merge(List<NodeResult> results, int top) {
        return new Merged(slice(results), applications(results, top), hotspots(results, top));
    }

    /** sched_switch when every node's CPU% was the kernel's running time, samples when none, else mixed. */
    static String cpuSource(List<NodeResult> results) {
        long exact = results.stream().filter(r -> r.profile().cpuIsExact()).count();
        if (exact == 0) {
            return NodeProfile.CPU_FROM_SAMPLES;
        }
        return exact == results.size() ? NodeProfile.CPU_FROM_SCHED_SWITCH : CPU_FROM_MIXED;
    }

    /**
     * How the nodes walked user stacks: their one way when they agree, mixed when they differ (or
     * one already says mixed); null when none said (agents that predate the choice).
     */
    static String unwinding(List<NodeResult> results) {
        List<String> said = results.stream()
                .map(r -> r.profile().unwinding())
                .filter(Objects::nonNull)
                .distinct()
                .toList();
        if (said.isEmpty()) {
            return null;
        }
        return said.size() == 1 ? said.getFirst() : NodeProfile.UNWINDING_MIXED;
    }

    private static SliceStatus slice(List<NodeResult> results) {
        SliceStatus slice = new SliceStatus();
        slice.start = results.stream()
                .map(r -> r.profile().start())
                .filter(Objects::nonNull)
                .min(Comparator.naturalOrder())
                .map(Instant::toString)
                .orElse(null);
        slice.end = results.stream()
                .map(r -> r.profile().end())
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .map(Instant::toString)
                .orElse(null);
        // Summed: each node's own figures are in the result ConfigMap's nodes.json.
        slice.nodeCount = results.size();
        slice.events = results.stream()
                .map(r -> r.profile().event())
                .filter(Objects::nonNull)
                .distinct()
                .sorted()
                .limit(EVENTS_NAMED)
                .toList();
        slice.totalSamples =
                results.stream().mapToLong(r -> r.profile().totalSamples()).sum();
        slice.lostSamples =
                results.stream().mapToLong(r -> r.profile().lostSamples()).sum();
        slice.cpuSource = cpuSource(results);
        slice.unwinding = unwinding(results);
        return slice;
    }

    /** An application's running total across nodes. */
    private static final class AppTotal {
        final ApplicationStatus status = new ApplicationStatus();
        long samples;
        double capacity;
        double cpuSeconds; // with the kernel's time: each node's CPU% x its seconds x CPUs / 100
        double cpuCapacitySeconds; // seconds x CPUs of the nodes it ran on
        final List<String> nodes = new ArrayList<>();
    }

    private static List<ApplicationStatus> applications(List<NodeResult> results, int top) {
        Map<String, AppTotal> byApp = new HashMap<>();
        for (NodeResult r : results) {
            for (ApplicationUsage app : r.profile().topApplications()) {
                AppTotal total = byApp.computeIfAbsent(identity(r.node(), app), k -> describe(app));
                total.samples += app.samples();
                total.cpuSeconds += app.cpuPercent() / 100 * r.capacityCpuSeconds();
                if (!total.nodes.contains(r.node())) {
                    total.nodes.add(r.node());
                    total.capacity += r.capacitySamples();
                    total.cpuCapacitySeconds += r.capacityCpuSeconds();
                }
            }
        }
        boolean byTime = !cpuSource(results).equals(NodeProfile.CPU_FROM_SAMPLES);
        Comparator<AppTotal> bySamples =
                Comparator.comparingLong((AppTotal t) -> t.samples).reversed();
        Comparator<AppTotal> order = byTime
                ? Comparator.comparingDouble((AppTotal t) -> t.cpuSeconds)
                        .reversed()
                        .thenComparing(bySamples)
                : bySamples;
        List<AppTotal> ranked = byApp.values().stream()
                .sorted(order.thenComparing(t -> t.status.name))
                .limit(top)
                .toList();
        List<ApplicationStatus> out = new ArrayList<>(ranked.size());
        for (AppTotal t : ranked) {
            t.status.rank = out.size() + 1;
            t.status.samples = t.samples;
            if (byTime) {
                t.status.cpuPercent =
                        t.cpuCapacitySeconds > 0 ? round(t.cpuSeconds * 100.0 / t.cpuCapacitySeconds) : 0.0;
            } else {
                t.status.cpuPercent = t.capacity > 0 ? round(t.samples * 100.0 / t.capacity) : 0.0;
            }
            t.status.node = ProfilingJobStatus.describeNodes(t.nodes);
            out.add(t.status);
        }
        return out;
    }

    /** A pod container is the same application on any node; anything else is per node. */
    private static String identity(String node, ApplicationUsage app) {
        PodRef pod = app.pod();
        if (pod != null && pod.uid() != null) {
            return "pod/" + pod.uid() + "/" + Objects.requireNonNullElse(pod.containerId(), app.name());
        }
        return "host/" + node + "/" + app.name();
    }

    private static AppTotal describe(ApplicationUsage app) {
        AppTotal total = new AppTotal();
        ApplicationStatus s = total.status;
        PodRef pod = app.pod();
        if (pod != null && pod.name() != null) {
            s.namespace = pod.namespace();
            s.pod = pod.name();
            s.container = pod.container();
            s.name = pod.namespace() + "/" + pod.name() + (pod.container() == null ? "" : " (" + pod.container() + ")");
        } else {
            s.name = app.name();
        }
        return total;
    }

    private static List<HotspotStatus> hotspots(List<NodeResult> results, int top) {
        long allSamples =
                results.stream().mapToLong(r -> r.profile().totalSamples()).sum();
        Map<List<String>, HotspotStatus> byStack = new HashMap<>();
        for (NodeResult r : results) {
            for (Hotspot h : r.hotspots()) {
                String leaf = leaf(h.frames());
                String location = h.location() == null ? null : h.location().jsonName();
                HotspotStatus merged =
                        byStack.computeIfAbsent(Arrays.asList(h.application(), leaf, location, h.subsystem()), k -> {
                            HotspotStatus s = new HotspotStatus();
                            s.application = capped(h.application());
                            s.frame = capped(leaf);
                            s.location = location;
                            s.subsystem = h.subsystem();
                            s.samples = 0L;
                            return s;
                        });
                merged.samples += h.samples();
            }
        }
        return byStack.values().stream()
                .sorted(Comparator.comparingLong((HotspotStatus s) -> s.samples)
                        .reversed()
                        .thenComparing(s -> s.application + s.frame))
                .limit(top)
                .map(s -> {
                    s.percentOfTotal = allSamples > 0 ? round(s.samples * 100.0 / allSamples) : 0.0;
                    return s;
                })
                .toList();
    }

    /** One decimal, as the agent prints it; keeps the status stable against float noise. */
    private static double round(double percent) {
        return Math.round(percent * 10.0) / 10.0;
    }

    /** A name as the status holds it: a C++ or Java signature can run to kilobytes. */
    private static String capped(String name) {
        return name == null || name.length() <= NAME_MAX ? name : name.substring(0, NAME_MAX - 3) + "...";
    }

    /** The leaf frame of a stack as the status names it. */
    private static String leaf(List<Frame> frames) {
        return frames == null || frames.isEmpty()
                ? "[unknown]"
                : frames.getFirst().function();
    }
}

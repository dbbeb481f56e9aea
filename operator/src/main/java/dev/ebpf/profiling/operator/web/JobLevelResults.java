package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.operator.NodeResult;
import dev.ebpf.profiling.operator.ingest.MergedSlice;
import dev.ebpf.profiling.operator.ingest.ResultConfigMaps;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A job-level result ConfigMap (all nodes merged by the operator from pushed reports) as one column
 * of the web view, named {@link #ALL_NODES}: its applications and merged flame graphs. Its CPU% is
 * over all the reporting nodes' CPUs (the status' CPU% counts only the nodes an application ran on).
 */
public final class JobLevelResults {

    /** The one column of a job's results: the operator merges every node's report into each slice. */
    public static final String ALL_NODES = "all-nodes";

    private JobLevelResults() {}

    /** @throws IllegalArgumentException with one line when the ConfigMap cannot be read */
    static NodeResult asNodeResult(ConfigMap configMap) {
        ResultConfigMaps.Stored stored = ResultConfigMaps.read(configMap);
        MergedSlice slice = stored.slice();
        List<MergedSlice.NodeSummary> nodes = stored.nodes();
        Instant start = slice.window().start == null ? null : Instant.parse(slice.window().start);
        Instant end = slice.window().end == null ? null : Instant.parse(slice.window().end);
        double seconds =
                start == null || end == null ? 0 : Duration.between(start, end).toMillis() / 1000.0;
        int cpus = nodes.stream().mapToInt(MergedSlice.NodeSummary::cpus).sum();
        List<ApplicationUsage> apps = slice.topApplications() == null
                ? List.of()
                : slice.topApplications().stream().map(JobLevelResults::usage).toList();
        NodeProfile profile = new NodeProfile(
                ALL_NODES,
                nodes.stream().map(MergedSlice.NodeSummary::event).distinct().collect(Collectors.joining(",")),
                nodes.isEmpty() ? 0 : nodes.getFirst().frequencyHz(),
                IntStream.range(0, cpus).boxed().toList(),
                start,
                end,
                seconds,
                nodes.stream().mapToLong(MergedSlice.NodeSummary::totalSamples).sum(),
                nodes.stream().mapToLong(MergedSlice.NodeSummary::lostSamples).sum(),
                LostSamples.NONE,
                apps);
        if (slice.netRx() != null) {
            profile = profile.withNetRx(slice.netRx());
        }
        return new NodeResult(ALL_NODES, configMap.getMetadata().getName(), slice.id(), profile);
    }

    /**
     * A merged application as a row of the column: a pod keeps its pod (one application on any
     * node); a host process, one per node in the merge, is named after its node.
     */
    private static ApplicationUsage usage(ApplicationStatus app) {
        boolean pod = app.pod != null;
        return new ApplicationUsage(
                app.rank == null ? 0 : app.rank,
                pod || app.node == null ? app.name : app.node + ": " + app.name,
                null,
                pod ? new PodRef(null, null, app.namespace, app.pod, app.container) : null,
                List.of(),
                app.samples == null ? 0 : app.samples,
                app.cpuPercent == null ? 0 : app.cpuPercent);
    }
}

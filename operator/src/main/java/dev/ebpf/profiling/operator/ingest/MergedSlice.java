package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.job.ApplicationStatus;
import dev.ebpf.profiling.api.job.HotspotStatus;
import dev.ebpf.profiling.api.job.NetRxStatus;
import dev.ebpf.profiling.api.job.SliceStatus;
import dev.ebpf.profiling.api.profile.NetRxProfile;
import java.util.List;

/**
 * One job's slice with every node's report merged: what the status shows of it, and the document
 * under {@code profile.json} of its job-level result ConfigMap (so a restarted operator reads back
 * exactly what it wrote).
 *
 * @param configMap       the job-level result ConfigMap holding it
 * @param window          the slice's id (label), window and per-node figures
 * @param topApplications merged across nodes ({@code ProfileMerger}): by the kernel's CPU time where
 *                        the nodes counted it, else by samples; {@code window.cpuSource} says which
 * @param hotspots        merged across nodes by samples
 * @param reportingNodes  the nodes whose report is in it, sorted
 * @param missingNodes    target nodes that had not reported when the slice was closed, sorted
 * @param windows         trigger mode: the node windows it holds (one per reporting node); else 1
 * @param netRx           the nodes' net-rx parts merged ({@code NetRxMerge}); null without net-rx
 */
public record MergedSlice(
        String configMap,
        SliceStatus window,
        List<ApplicationStatus> topApplications,
        List<HotspotStatus> hotspots,
        List<String> reportingNodes,
        List<String> missingNodes,
        int windows,
        NetRxProfile netRx) {

    /** A slice without net-rx. */
    public MergedSlice(
            String configMap,
            SliceStatus window,
            List<ApplicationStatus> topApplications,
            List<HotspotStatus> hotspots,
            List<String> reportingNodes,
            List<String> missingNodes,
            int windows) {
        this(configMap, window, topApplications, hotspots, reportingNodes, missingNodes, windows, null);
    }

    /** The status summary of the net-rx part: its applications, worst waits first; null without net-rx. */
    public List<NetRxStatus> netRxStatus() {
        if (netRx == null) {
            return null;
        }
        return netRx.applications().stream()
                .map(app -> {
                    NetRxStatus status = new NetRxStatus();
                    status.name = app.name();
                    status.p50Ms = app.queueDelay().p50Ms();
                    status.p99Ms = app.queueDelay().p99Ms();
                    status.maxMs = app.queueDelay().maxMs();
                    status.packets = app.packets();
                    status.lateBecause = app.lateBecause().isEmpty()
                            ? null
                            : app.lateBecause().getFirst().verdict()
                                    + (app.lateBecause().getFirst().reason() == null
                                            ? ""
                                            : " ("
                                                    + app.lateBecause()
                                                            .getFirst()
                                                            .reason() + ")");
                    return status;
                })
                .toList();
    }

    public String id() {
        return window.id;
    }

    /**
     * One node's small part of a slice, kept in {@code nodes.json}.
     *
     * @param droppedStacks stacks the agent left out of its report (its cap)
     * @param limitations   what the agent could not do on the node
     * @param cpuSource     where the node's CPU% came from: {@code sched_switch} or {@code samples}
     */
    public record NodeSummary(
            String node,
            String event,
            int frequencyHz,
            int cpus,
            long totalSamples,
            long lostSamples,
            long droppedStacks,
            List<AgentLimitation> limitations,
            String cpuSource) {}
}

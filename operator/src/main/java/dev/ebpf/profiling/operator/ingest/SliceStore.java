package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.AgentLimitation;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.operator.NodeResult;
import dev.ebpf.profiling.operator.ProfileMerger;
import dev.ebpf.profiling.operator.TriggerReport;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The agents' pushed reports, per job (uid) and slice, merged as they arrive, and the job's closed
 * slices, newest first: what the reconciler builds the status from.
 *
 * <p>An open slice keeps each node's summary ({@link NodeProfile}: top applications and hotspots,
 * bounded by the agent) and one merged map of folded stacks per kind, capped at
 * {@link #MERGED_STACKS_MAX} distinct stacks: never every node's raw stacks. The reconciler closes a
 * slice (see {@link #collect}) once every target node reported or {@code grace} after its end: it
 * then writes the slice's one job-level result ConfigMap ({@link ResultConfigMaps}) and prunes the
 * job's oldest beyond its retention. A report for a closed slice is refused (410) and counted.
 *
 * <p>What is open lives in memory only: after an operator restart, the closed slices are read back
 * from the job-level result ConfigMaps (labels component=result and managed-by, owned by the job),
 * the first time the job is seen, and the slices that were open are lost for the nodes that had
 * reported them (they show as missing from that slice). The job's status itself is stored with the
 * job and needs nothing rebuilt.
 */
@Singleton
public class SliceStore {

    /** Distinct stacks of one kind a slice keeps while its reports arrive. */
    public static final int MERGED_STACKS_MAX = 20_000;
    /** Open slices per job; a report for one more is refused (429) until the oldest closes. */
    static final int OPEN_SLICES_MAX = 4;
    /** Trigger mode: nodes that fire in the same second share a slice; it closes this long after its first report. */
    static final Duration TRIGGER_SETTLE = Duration.ofSeconds(5);
    /** A job not heard of (reports, reconciles) for this long is forgotten (deleted jobs). */
    private static final Duration IDLE_JOB = Duration.ofHours(6);

    /** What the reconciler gets: the job's closed slices, newest first, and when an open one is due. */
    public record Ingested(
            List<MergedSlice> newestFirst, Map<String, List<AgentLimitation>> limitations, Duration recheckAfter) {}

    private final KubernetesClient client;
    private final Clock clock;
    private final Map<String, JobSlices> jobs = new ConcurrentHashMap<>();
    private volatile Consumer<ResourceID> onSliceReady = id -> {};

    @Inject
    public SliceStore(KubernetesClient client) {
        this(client, Clock.systemUTC());
    }

    public SliceStore(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Where a slice that became complete (or a first report, to start its grace) is announced: the reconciler's event source. */
    public void onSliceReady(Consumer<ResourceID> listener) {
        this.onSliceReady = listener;
    }

    /**
     * Merges a node's report into its open slice. The caller checked the job, the node and the
     * report's form.
     *
     * @throws IngestRefusal 410 for a slice already closed, 429 with too many open slices
     */
    public void accept(ProfilingJob job, Set<String> targetNodes, NodeSliceReport report) {
        JobSlices slices = slices(job);
        String label = AgentContract.sliceLabel(report.sliceStart());
        boolean announce;
        synchronized (slices) {
            if (slices.closed.containsKey(label)) {
                throw new IngestRefusal(
                        410, "sliceClosed", "slice " + label + " was closed without node " + report.node());
            }
            OpenSlice open = slices.open.get(label);
            if (open == null) {
                if (slices.open.size() >= OPEN_SLICES_MAX) {
                    throw new IngestRefusal(
                            429, "tooManyOpenSlices", OPEN_SLICES_MAX + " slices of the job are still open");
                }
                open = new OpenSlice(report.sliceStart(), report.sliceEnd(), clock.instant());
                slices.open.put(label, open);
            }
            boolean first = open.nodes.isEmpty();
            open.add(label, report);
            announce = first || open.nodes.keySet().containsAll(targetNodes);
        }
        if (announce) {
            onSliceReady.accept(ResourceID.fromResource(job));
        }
    }

    /**
     * Keeps a node's latest trigger state and starts a reconcile: at a firing, a phase change, and
     * the agent's refresh (at most every 30 s), which keeps the status' armed values fresh. Reconciles of one job coalesce while one runs.
     */
    public void accept(ProfilingJob job, NodeTriggerReport report) {
        JobSlices slices = slices(job);
        synchronized (slices) {
            slices.triggers.put(report.node(), report.state());
        }
        onSliceReady.accept(ResourceID.fromResource(job));
    }

    /** The job's nodes' latest trigger states, as their agents last pushed them. */
    public List<TriggerReport.NodeState> triggerStates(ProfilingJob job) {
        JobSlices slices = jobs.get(job.getMetadata().getUid());
        if (slices == null) {
            return List.of();
        }
        synchronized (slices) {
            return slices.triggers.entrySet().stream()
                    .map(e -> new TriggerReport.NodeState(e.getKey(), e.getValue()))
                    .toList();
        }
    }

    /**
     * Closes the job's slices that every target node reported, or whose grace is over (trigger
     * mode: that settled), writing one result ConfigMap each and pruning the oldest beyond
     * {@code retention}; returns the closed slices, newest first.
     */
    public Ingested collect(ProfilingJob job, Set<String> targetNodes, Duration grace, int top, int retention) {
        JobSlices slices = slices(job);
        Instant now = clock.instant();
        boolean trigger = job.getSpec().mode == Mode.TRIGGER;
        Duration recheck = null;
        List<Closing> closing = new ArrayList<>();
        synchronized (slices) {
            for (var it = slices.open.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                OpenSlice open = entry.getValue();
                Instant deadline = trigger ? open.firstReport.plus(TRIGGER_SETTLE) : open.end.plus(grace);
                boolean complete = !trigger && open.nodes.keySet().containsAll(targetNodes);
                if (!complete && deadline.isAfter(now)) {
                    Duration wait = Duration.between(now, deadline);
                    recheck = recheck == null || wait.compareTo(recheck) < 0 ? wait : recheck;
                    continue;
                }
                it.remove();
                MergedSlice merged = open.merge(job, entry.getKey(), trigger ? Set.of() : targetNodes, top);
                slices.closed.put(entry.getKey(), new Closed(merged, open.summaries()));
                closing.add(new Closing(entry.getKey(), open, merged));
            }
        }
        for (Closing c : closing) {
            try {
                ConfigMap cm = ResultConfigMaps.build(
                        job,
                        c.open.start,
                        c.merged,
                        c.open.summaries(),
                        c.open.onCpu.hottestFirst(),
                        c.open.offCpu.hottestFirst(),
                        c.open.history.hottestFirst(),
                        c.open.onCpu.dropped() + c.open.offCpu.dropped() + c.open.history.dropped());
                client.configMaps()
                        .inNamespace(job.getMetadata().getNamespace())
                        .resource(cm)
                        .createOr(existing -> existing.update());
            } catch (RuntimeException e) {
                synchronized (slices) { // open again: the reconcile is retried
                    slices.closed.remove(c.label);
                    slices.open.put(c.label, c.open);
                }
                throw e;
            }
        }
        prune(job, slices, retention);
        synchronized (slices) {
            List<MergedSlice> newestFirst = slices.closed.descendingMap().values().stream()
                    .map(Closed::slice)
                    .toList();
            Map<String, List<AgentLimitation>> limitations = new TreeMap<>();
            Optional.ofNullable(slices.closed.lastEntry())
                    .ifPresent(e -> e.getValue().nodes().forEach(n -> {
                        if (n.limitations() != null && !n.limitations().isEmpty()) {
                            limitations.put(n.node(), n.limitations());
                        }
                    }));
            return new Ingested(newestFirst, limitations, recheck);
        }
    }

    private void prune(ProfilingJob job, JobSlices slices, int retention) {
        List<Closed> old = new ArrayList<>();
        synchronized (slices) {
            while (slices.closed.size() > Math.max(1, retention)) {
                old.add(slices.closed.pollFirstEntry().getValue());
            }
        }
        for (Closed gone : old) {
            client.configMaps()
                    .inNamespace(job.getMetadata().getNamespace())
                    .withName(gone.slice().configMap())
                    .delete();
        }
    }

    private JobSlices slices(ProfilingJob job) {
        String uid = job.getMetadata().getUid();
        Instant now = clock.instant();
        if (!jobs.containsKey(uid)) {
            jobs.values().removeIf(j -> j.lastUsed.plus(IDLE_JOB).isBefore(now));
        }
        JobSlices slices = jobs.computeIfAbsent(uid, u -> new JobSlices());
        synchronized (slices) {
            slices.lastUsed = now;
            if (!slices.restored) {
                restore(job, slices);
                slices.restored = true;
            }
        }
        return slices;
    }

    /** The closed slices a former operator wrote: its job-level result ConfigMaps of this job (uid). */
    private void restore(ProfilingJob job, JobSlices slices) {
        var labels = AgentContract.jobLabels(job.getMetadata().getName(), AgentContract.COMPONENT_RESULT);
        for (ConfigMap cm : client.configMaps()
                .inNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .list()
                .getItems()) {
            boolean ours = ResultConfigMaps.isJobLevel(cm)
                    && cm.getMetadata().getOwnerReferences().stream()
                            .anyMatch(o -> job.getMetadata().getUid().equals(o.getUid()));
            if (!ours) {
                continue;
            }
            try {
                ResultConfigMaps.Stored stored = ResultConfigMaps.read(cm);
                slices.closed.put(stored.slice().id(), new Closed(stored.slice(), stored.nodes()));
            } catch (IllegalArgumentException unreadable) {
                // Not ours to interpret: left alone, and not counted as a slice.
            }
        }
    }

    private static final class JobSlices {
        final TreeMap<String, OpenSlice> open = new TreeMap<>();
        final TreeMap<String, Closed> closed = new TreeMap<>();
        final Map<String, NodeTriggerState> triggers = new TreeMap<>();
        boolean restored;
        Instant lastUsed;
    }

    private record Closed(MergedSlice slice, List<MergedSlice.NodeSummary> nodes) {}

    private record Closing(String label, OpenSlice open, MergedSlice merged) {}

    /** A slice whose reports are still arriving. */
    private static final class OpenSlice {
        final Instant start;
        Instant end;
        final Instant firstReport;
        final Map<String, NodeProfile> nodes = new LinkedHashMap<>();
        final Map<String, NodeSliceReport> meta = new LinkedHashMap<>();
        final StackMerge onCpu = new StackMerge(MERGED_STACKS_MAX);
        final StackMerge offCpu = new StackMerge(MERGED_STACKS_MAX);
        final StackMerge history = new StackMerge(MERGED_STACKS_MAX);

        OpenSlice(Instant start, Instant end, Instant firstReport) {
            this.start = start;
            this.end = end;
            this.firstReport = firstReport;
        }

        void add(String label, NodeSliceReport report) {
            if (nodes.containsKey(report.node())) {
                return; // a retried report the operator already took
            }
            nodes.put(report.node(), report.profile());
            // Only what the summaries need: the stacks are merged below, not kept per node.
            meta.put(
                    report.node(),
                    new NodeSliceReport(
                            report.schemaVersion(),
                            report.job(),
                            report.node(),
                            report.sliceStart(),
                            report.sliceEnd(),
                            null,
                            Map.of(),
                            Map.of(),
                            report.droppedStacks(),
                            List.of(),
                            Map.of(),
                            report.limitations() == null ? List.of() : report.limitations()));
            if (report.sliceEnd().isAfter(end)) {
                end = report.sliceEnd();
            }
            onCpu.add(report.onCpuStacks());
            offCpu.add(report.offCpuStacks());
            history.add(report.historyStacks());
        }

        List<MergedSlice.NodeSummary> summaries() {
            return nodes.entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .map(e -> {
                        NodeProfile p = e.getValue();
                        NodeSliceReport m = meta.get(e.getKey());
                        return new MergedSlice.NodeSummary(
                                e.getKey(),
                                p.event(),
                                p.frequencyHz(),
                                p.cpus() == null ? 0 : p.cpus().size(),
                                p.totalSamples(),
                                p.lostSamples(),
                                m.droppedStacks(),
                                m.limitations());
                    })
                    .toList();
        }

        MergedSlice merge(ProfilingJob job, String label, Collection<String> targets, int top) {
            String configMap = AgentContract.jobResultName(job.getMetadata().getName(), start);
            List<NodeResult> results = nodes.entrySet().stream()
                    .map(e -> new NodeResult(e.getKey(), configMap, label, e.getValue()))
                    .sorted(Comparator.comparing(NodeResult::node))
                    .toList();
            ProfileMerger.Merged merged = ProfileMerger.merge(results, top);
            merged.slice().id = label;
            TreeSet<String> missing = new TreeSet<>(targets);
            missing.removeAll(nodes.keySet());
            return new MergedSlice(
                    configMap,
                    merged.slice(),
                    merged.applications(),
                    merged.hotspots(),
                    List.copyOf(new TreeSet<>(nodes.keySet())),
                    List.copyOf(missing),
                    job.getSpec().mode == Mode.TRIGGER ? nodes.size() : 1,
                    netRx(top));
        }

        /** The nodes' net-rx parts merged; null when no node sent one. */
        private dev.ebpf.profiling.api.profile.NetRxProfile netRx(int top) {
            Map<String, dev.ebpf.profiling.api.profile.NetRxProfile> parts = new java.util.TreeMap<>();
            nodes.forEach((node, profile) -> {
                if (profile.netRx() != null) {
                    parts.put(node, profile.netRx());
                }
            });
            return dev.ebpf.profiling.api.profile.NetRxMerge.merge(parts, top);
        }
    }
}

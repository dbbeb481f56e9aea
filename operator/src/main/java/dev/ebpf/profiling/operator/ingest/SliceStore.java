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
import dev.ebpf.profiling.operator.OperatorConfig;
import dev.ebpf.profiling.operator.ProfileMerger;
import dev.ebpf.profiling.operator.TriggerReport;
import dev.ebpf.profiling.operator.stores.ObjectStoreUploads;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.Cache;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
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
import org.jboss.logging.Logger;

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

    private static final Logger LOG = Logger.getLogger(SliceStore.class);

    /**
     * What the reconciler gets: the job's closed slices, newest first; the ids and windows of those
     * and of the last few pruned (to count what closed since the status was written, even past the
     * retention); the newest slice's nodes' limitations; and when an open one is due.
     */
    public record Ingested(
            List<MergedSlice> newestFirst,
            List<ClosedWindows> closedWindows,
            Map<String, List<AgentLimitation>> limitations,
            Duration recheckAfter) {}

    /** A closed slice's id and how many profile windows it holds (trigger mode: one per node). */
    public record ClosedWindows(String id, int windows) {}

    /** Pruned slices remembered per job for {@link Ingested#closedWindows}: more than can close in one reconcile. */
    private static final int PRUNED_REMEMBERED = 4 * OPEN_SLICES_MAX;

    private final KubernetesClient client;
    private final Clock clock;
    private final ResultBudget budget;
    private final ObjectStoreUploads uploads;
    private final Map<String, JobSlices> jobs = new ConcurrentHashMap<>();
    private volatile Consumer<ResourceID> onSliceReady = id -> {};
    private volatile Cache<ProfilingJob> jobCache;
    private volatile SliceMetrics metrics = SliceMetrics.NONE;

    /** The operator's: the admin's object stores from its configuration. */
    @Inject
    public SliceStore(KubernetesClient client, OperatorConfig config) {
        this(
                client,
                Clock.systemUTC(),
                config.resultBudgetBytes(),
                ObjectStoreUploads.of(config.objectStoreDefinitions(), Path.of(config.objectStoreCredentials())));
    }

    /** A store with the default result budget and no object stores (tests). */
    public SliceStore(KubernetesClient client) {
        this(client, Clock.systemUTC());
    }

    public SliceStore(KubernetesClient client, Clock clock) {
        this(client, clock, OperatorConfig.DEFAULT_RESULT_BUDGET_BYTES, ObjectStoreUploads.none());
    }

    public SliceStore(KubernetesClient client, Clock clock, long resultBudgetBytes) {
        this(client, clock, resultBudgetBytes, ObjectStoreUploads.none());
    }

    public SliceStore(KubernetesClient client, Clock clock, ObjectStoreUploads uploads) {
        this(client, clock, OperatorConfig.DEFAULT_RESULT_BUDGET_BYTES, uploads);
    }

    public SliceStore(KubernetesClient client, Clock clock, long resultBudgetBytes, ObjectStoreUploads uploads) {
        this.client = client;
        this.clock = clock;
        this.budget = new ResultBudget(client, resultBudgetBytes, clock);
        this.uploads = uploads;
        // A merged upload that ended changes the status' links: the job is reconciled again.
        uploads.onChange(id -> onSliceReady.accept(id));
    }

    /** The merged slices' uploads and the nodes' upload reports (issue 10). */
    public ObjectStoreUploads uploads() {
        return uploads;
    }

    /** Where the per-node figures of the slices go (the operator's metrics). */
    public void metrics(SliceMetrics metrics) {
        this.metrics = metrics;
    }

    /** The cluster-wide budget of the result ConfigMaps this store writes. */
    public ResultBudget budget() {
        return budget;
    }

    /**
     * The reconciler's informer cache of the jobs, read by the ingest endpoint instead of the API
     * server (one report per node and slice would otherwise be one GET each).
     */
    public void readJobsFrom(Cache<ProfilingJob> cache) {
        this.jobCache = cache;
    }

    /** The job as the reconciler's cache has it, if there is a cache and it holds the job. */
    public Optional<ProfilingJob> cachedJob(String namespace, String name) {
        var cache = jobCache;
        return cache == null ? Optional.empty() : cache.get(new ResourceID(name, namespace));
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
            open.add(report);
            metrics.reportArrived(
                    Duration.between(report.sliceEnd(), clock.instant()).toMillis() / 1000.0);
            announce = first || open.isComplete(targetNodes);
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

    /**
     * The job's target nodes as its last reconcile resolved them (the status names only the first
     * few), or null when no reconcile of this operator has resolved them yet.
     */
    public Set<String> targets(ProfilingJob job) {
        JobSlices slices = jobs.get(job.getMetadata().getUid());
        if (slices == null) {
            return null;
        }
        synchronized (slices) {
            return slices.targets;
        }
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
        synchronized (slices) {
            slices.targets = Set.copyOf(targetNodes);
        }
        Duration recheck = null;
        List<Closing> closing = new ArrayList<>();
        synchronized (slices) {
            for (var it = slices.open.entrySet().iterator(); it.hasNext(); ) {
                var entry = it.next();
                OpenSlice open = entry.getValue();
                Instant deadline = trigger ? open.firstReport.plus(TRIGGER_SETTLE) : open.end.plus(grace);
                boolean complete = !trigger && open.isComplete(targetNodes);
                if (!complete && deadline.isAfter(now)) {
                    Duration wait = Duration.between(now, deadline);
                    recheck = recheck == null || wait.compareTo(recheck) < 0 ? wait : recheck;
                    continue;
                }
                it.remove();
                long mergeStart = System.nanoTime();
                MergedSlice merged = open.merge(job, entry.getKey(), trigger ? Set.of() : targetNodes, top);
                slices.closed.put(entry.getKey(), new Closed(merged, open.summaries()));
                closing.add(new Closing(entry.getKey(), open, merged, System.nanoTime() - mergeStart));
            }
        }
        for (Closing c : closing) {
            try {
                // Each merged set sorted once, the summaries built once: the result ConfigMap and the
                // object store take the same lists (at 5,000 nodes, 20,000 stacks per set).
                long buildStart = System.nanoTime();
                List<MergedSlice.NodeSummary> summaries = c.open.summaries();
                List<Map.Entry<String, Long>> onCpu = c.open.onCpu.hottestFirst();
                List<Map.Entry<String, Long>> offCpu = c.open.offCpu.hottestFirst();
                List<Map.Entry<String, Long>> history = c.open.history.hottestFirst();
                ConfigMap cm = ResultConfigMaps.build(
                        job,
                        c.open.start,
                        c.merged,
                        summaries,
                        onCpu,
                        offCpu,
                        history,
                        c.open.onCpu.dropped() + c.open.offCpu.dropped() + c.open.history.dropped());
                long writeStart = System.nanoTime();
                client.configMaps()
                        .inNamespace(job.getMetadata().getNamespace())
                        .resource(cm)
                        .createOr(existing -> existing.update());
                budget.noteWritten(cm);
                double afterEnd = Duration.between(c.open.end, clock.instant()).toMillis() / 1000.0;
                metrics.sliceClosed(
                        c.merged.reportingNodes().size(),
                        c.merged.missingNodes().size(),
                        afterEnd);
                LOG.debugf(
                        "closed slice %s of %s/%s from %d nodes (%d missing): merged in %d ms, stacks sorted and"
                                + " result ConfigMap built in %d ms, written in %d ms, %.2f s after the slice's end",
                        c.label,
                        job.getMetadata().getNamespace(),
                        job.getMetadata().getName(),
                        c.merged.reportingNodes().size(),
                        c.merged.missingNodes().size(),
                        c.mergeNanos / 1_000_000,
                        (writeStart - buildStart) / 1_000_000,
                        (System.nanoTime() - writeStart) / 1_000_000,
                        afterEnd);
                if (uploads.storesMerged(job)) { // gzipped only for a job that names a store
                    uploads.uploadMerged(
                            job,
                            c.label,
                            ObjectStoreUploads.document(c.merged, summaries),
                            ResultConfigMaps.gzipFolded(onCpu),
                            offCpu.isEmpty() ? null : ResultConfigMaps.gzipFolded(offCpu));
                }
            } catch (RuntimeException e) {
                synchronized (slices) { // open again: the reconcile is retried
                    slices.closed.remove(c.label);
                    slices.open.put(c.label, c.open);
                }
                throw e;
            }
        }
        prune(job, slices, retention);
        if (!closing.isEmpty()) {
            List<ResultBudget.Entry> deleted = budget.enforce();
            metrics.budgetDeleted(deleted.size());
            overBudget(deleted);
        }
        synchronized (slices) {
            List<MergedSlice> newestFirst = slices.closed.descendingMap().values().stream()
                    .map(Closed::slice)
                    .toList();
            TreeMap<String, Integer> windows = new TreeMap<>(slices.pruned);
            slices.closed.forEach((id, c) -> windows.put(id, c.slice().windows()));
            List<ClosedWindows> closedWindows = windows.descendingMap().entrySet().stream()
                    .map(e -> new ClosedWindows(e.getKey(), e.getValue()))
                    .toList();
            Map<String, List<AgentLimitation>> limitations = new TreeMap<>();
            Optional.ofNullable(slices.closed.lastEntry())
                    .ifPresent(e -> e.getValue().nodes().forEach(n -> {
                        if (n.limitations() != null && !n.limitations().isEmpty()) {
                            limitations.put(n.node(), n.limitations());
                        }
                    }));
            return new Ingested(newestFirst, closedWindows, limitations, recheck);
        }
    }

    private void prune(ProfilingJob job, JobSlices slices, int retention) {
        List<Closed> old = new ArrayList<>();
        synchronized (slices) {
            while (slices.closed.size() > Math.max(1, retention)) {
                Closed gone = slices.closed.pollFirstEntry().getValue();
                old.add(gone);
                slices.pruned.put(gone.slice().id(), gone.slice().windows());
            }
            while (slices.pruned.size() > PRUNED_REMEMBERED) {
                slices.pruned.pollFirstEntry();
            }
        }
        for (Closed gone : old) {
            client.configMaps()
                    .inNamespace(job.getMetadata().getNamespace())
                    .withName(gone.slice().configMap())
                    .delete();
            budget.noteDeleted(job.getMetadata().getNamespace(), gone.slice().configMap());
        }
    }

    /** The budget deleted these slices (of any job): they are no longer closed slices of their jobs. */
    private void overBudget(List<ResultBudget.Entry> deleted) {
        for (ResultBudget.Entry gone : deleted) {
            JobSlices slices = jobs.get(gone.jobUid());
            if (slices != null) {
                synchronized (slices) {
                    Closed closed = slices.closed.get(gone.slice());
                    if (closed != null && slices.closed.size() > 1) {
                        slices.closed.remove(gone.slice());
                        slices.pruned.put(gone.slice(), closed.slice().windows());
                    }
                }
            }
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
        /** Slice id -> windows of the last slices pruned (see {@link Ingested#closedWindows}). */
        final TreeMap<String, Integer> pruned = new TreeMap<>();
        /** The job's target nodes as its last reconcile resolved them; null before the first. */
        Set<String> targets;

        boolean restored;
        Instant lastUsed;
    }

    private record Closed(MergedSlice slice, List<MergedSlice.NodeSummary> nodes) {}

    private record Closing(String label, OpenSlice open, MergedSlice merged, long mergeNanos) {}

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

        void add(NodeSliceReport report) {
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

        /**
         * Whether every target node reported. Counted first: each report asks, and comparing the
         * sets at every report would cost nodes x nodes per slice (25 million lookups at 5,000).
         */
        boolean isComplete(Set<String> targetNodes) {
            return nodes.size() >= targetNodes.size() && nodes.keySet().containsAll(targetNodes);
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
                                m.limitations(),
                                p.cpuIsExact() ? NodeProfile.CPU_FROM_SCHED_SWITCH : NodeProfile.CPU_FROM_SAMPLES);
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

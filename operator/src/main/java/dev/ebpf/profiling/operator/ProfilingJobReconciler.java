package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.NodeCounts;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.operator.agents.AgentDaemonSet;
import dev.ebpf.profiling.operator.agents.AgentDaemonSetWriter;
import dev.ebpf.profiling.operator.agents.AgentHealth;
import dev.ebpf.profiling.operator.agents.NodeLabels;
import dev.ebpf.profiling.operator.informers.Informers;
import dev.ebpf.profiling.operator.ingest.MergedSlice;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import dev.ebpf.profiling.operator.status.Conditions;
import dev.ebpf.profiling.operator.status.JobEvents;
import dev.ebpf.profiling.operator.status.JobStatusBuilder;
import dev.ebpf.profiling.operator.status.JobStatusWriter;
import dev.ebpf.profiling.operator.stores.ObjectStoreReport;
import dev.ebpf.profiling.operator.validate.LabelSelectors;
import dev.ebpf.profiling.operator.validate.Refusal;
import dev.ebpf.profiling.operator.validate.SpecValidator;
import dev.ebpf.profiling.operator.validate.TargetResolver;
import dev.ebpf.profiling.operator.validate.Targets;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Reconciles a ProfilingJob: observe (the job and its stored status) -> validate (the spec, then the
 * cluster: pods, nodes, CPUs) -> agents (the one agent DaemonSet in the operator's namespace, the
 * agent label on the job's target nodes, and whether an agent runs on each) -> results merged, old
 * results pruned -> status, through its one writer ({@link JobStatusWriter}), only when it changed.
 *
 * <p>Nothing is created in the job's namespace for the agents: the DaemonSet, its pods and their
 * identity live in the operator's namespace, where tenants cannot write. The operator tells the
 * DaemonSet where to run by labelling nodes ({@link NodeLabels}); the DaemonSet controller places,
 * evicts and restarts the pods.
 *
 * <p>What the operator itself writes (the job's status) is read from the API server, so a reconcile
 * sees its own writes. What others write is read from informer caches whose changes start a
 * reconcile: the pods a job's selector matches, the nodes (node-wide jobs), the agent pods (label-selected, in
 * the operator's namespace only: a pod's change concerns the jobs that target its node) and the
 * agent DaemonSet (every job). The agents' slice and trigger reports arrive at the ingest
 * endpoint ({@link SliceStore}), which starts a reconcile of their job; the reconcile closes the
 * ready slices there, each written as one result ConfigMap per job and slice. A failure to write the DaemonSet or a node label, or any other error,
 * is recorded in the status with the API's message and retried with back-off; the job recovers
 * when the cause goes away.
 */
@ControllerConfiguration(
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ProfilingJobReconciler implements Reconciler<ProfilingJob>, Cleaner<ProfilingJob> {

    /** The DaemonSet or a node label could not be written (RBAC, quota, admission): the API's message follows. */
    public static final String AGENT_DAEMON_SET_FAILED = "AgentDaemonSetFailed";

    public static final String NODE_LABEL_FAILED = "NodeLabelFailed";
    /** Any other error of a reconcile (Degraded=True with the message); retried with back-off. */
    public static final String RECONCILE_FAILED = "ReconcileFailed";

    static final Duration FIRST_RETRY = Duration.ofSeconds(5);
    static final Duration LONGEST_RETRY = Duration.ofMinutes(5);

    private final KubernetesClient client;
    private final SpecValidator validator;
    private final TargetResolver resolver;
    private final JobEvents jobEvents;
    private final JobStatusWriter statusWriter;
    private final AgentDaemonSetWriter daemonSetWriter;
    private final NodeLabels nodeLabels;
    private final Duration sliceGrace;
    private final Clock clock;
    private final SliceStore ingested;

    // The informers' caches, once the framework prepared the event sources (tests that call
    // reconcile directly have none: the API server is read instead).
    private volatile IndexedResourceCache<ProfilingJob> jobs;
    private volatile InformerEventSource<Pod, ProfilingJob> agentPods;
    private volatile InformerEventSource<DaemonSet, ProfilingJob> daemonSets;
    private volatile InformerEventSource<Pod, ProfilingJob> workloadPods;
    private volatile InformerEventSource<Node, ProfilingJob> nodesCache;
    /** The namespaces {@link #workloadPods} watches: those that have jobs (and the operator's). */
    private Set<String> watchedNamespaces = Set.of();

    /** A reconciler with a store of its own (tests that build one: each is a fresh operator). */
    public ProfilingJobReconciler(KubernetesClient client, OperatorConfig config) {
        this(client, config, new SliceStore(client), Clock.systemUTC());
    }

    @Inject
    public ProfilingJobReconciler(KubernetesClient client, OperatorConfig config, SliceStore ingested) {
        this(client, config, ingested, Clock.systemUTC());
    }

    ProfilingJobReconciler(KubernetesClient client, OperatorConfig config, Clock clock) {
        this(client, config, new SliceStore(client), clock);
    }

    ProfilingJobReconciler(KubernetesClient client, OperatorConfig config, SliceStore ingested, Clock clock) {
        this.client = client;
        this.ingested = ingested;
        List<String> nodeWide = config.nodeWideNamespaces().orElse(List.of());
        this.validator = new SpecValidator(nodeWide, ingested.uploads().definitions());
        this.resolver = new TargetResolver(client, this::podsIn, this::allNodes);
        this.jobEvents = new JobEvents(client);
        this.statusWriter = new JobStatusWriter(client);
        String namespace = config.namespaceOr(client);
        this.daemonSetWriter = new AgentDaemonSetWriter(
                client,
                new AgentDaemonSet(
                        config.agent(), namespace, nodeWide, ingested.uploads().definitions(), config.uploadJitter()));
        this.nodeLabels = new NodeLabels(client, clock);
        this.sliceGrace = config.sliceGrace();
        this.clock = clock;
    }

    /** The DaemonSet this operator keeps (its namespace and name). */
    public AgentDaemonSet agentDaemonSet() {
        return daemonSetWriter.daemonSet();
    }

    @Override
    public List<EventSource<?, ProfilingJob>> prepareEventSources(EventSourceContext<ProfilingJob> context) {
        this.jobs = context.getPrimaryCache();
        ingested.readJobsFrom(context.getPrimaryCache());
        ingested.budget().start();
        AgentDaemonSet daemonSet = daemonSetWriter.daemonSet();
        var agents = new InformerEventSource<>(
                Informers.agentPods(daemonSet.namespace(), (Pod pod) -> jobsOn(AgentHealth.nodeOf(pod))), context);
        var daemonSets = new InformerEventSource<>(
                Informers.agentDaemonSet(daemonSet.namespace(), (DaemonSet ds) -> runningJobs(context)), context);
        var workloads = new InformerEventSource<>(
                Informers.workloadPods(daemonSet.namespace(), (Pod pod) -> jobsSelecting(context, pod)), context);
        var nodes = new InformerEventSource<>(Informers.nodes((Node node) -> nodeWideJobs(context)), context);
        this.workloadPods = workloads;
        this.nodesCache = nodes;
        this.agentPods = agents;
        this.daemonSets = daemonSets;
        // The ingest endpoint starts a reconcile when a slice's first report arrives (its grace
        // starts) and when every target node reported it; grace ends come from recheckAfter.
        var pushed = new SimpleInboundEventSource<ProfilingJob>("ingested-slices");
        ingested.onSliceReady(pushed::propagateEvent);
        return List.of(agents, daemonSets, workloads, nodes, pushed);
    }

    private Set<ResourceID> jobsOn(String node) {
        if (node == null) {
            return Set.of();
        }
        return nodeLabels.jobsOn(node).stream()
                .map(key -> {
                    int slash = key.indexOf('/');
                    return new ResourceID(key.substring(slash + 1), key.substring(0, slash));
                })
                .collect(Collectors.toSet());
    }

    private static Set<ResourceID> runningJobs(EventSourceContext<ProfilingJob> context) {
        return context.getPrimaryCache()
                .list()
                .filter(job -> job.getStatus() == null
                        || (job.getStatus().phase != Phase.SUCCEEDED && job.getStatus().phase != Phase.INVALID))
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static Set<ResourceID> jobsSelecting(EventSourceContext<ProfilingJob> context, Pod pod) {
        return context.getPrimaryCache()
                .list(pod.getMetadata().getNamespace())
                .filter(job -> job.getSpec() != null && job.getSpec().selector != null)
                .filter(job -> {
                    try {
                        return LabelSelectors.matches(
                                job.getSpec().selector, pod.getMetadata().getLabels());
                    } catch (RuntimeException malformed) {
                        return true; // the reconcile reports the bad selector
                    }
                })
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    private static Set<ResourceID> nodeWideJobs(EventSourceContext<ProfilingJob> context) {
        return context.getPrimaryCache()
                .list()
                .filter(job -> job.getSpec() != null && job.getSpec().nodeWide())
                .map(ResourceID::fromResource)
                .collect(Collectors.toSet());
    }

    @Override
    public UpdateControl<ProfilingJob> reconcile(ProfilingJob cached, Context<ProfilingJob> context) {
        watchNamespacesWithJobs();
        return reconcile(cached);
    }

    /**
     * Moves the workload pod informer to the namespaces that have jobs (plus the operator's, so
     * the set is never empty): it caches no pod of a namespace without a job. The informer of a
     * namespace added here has synced when this returns (JOSDK waits for it).
     */
    private void watchNamespacesWithJobs() {
        var source = workloadPods;
        var cache = jobs;
        if (source == null || cache == null) {
            return;
        }
        Set<String> wanted = new java.util.TreeSet<>();
        wanted.add(daemonSetWriter.daemonSet().namespace());
        cache.list().forEach(job -> wanted.add(job.getMetadata().getNamespace()));
        synchronized (this) {
            if (!wanted.equals(watchedNamespaces)) {
                source.changeNamespaces(wanted);
                watchedNamespaces = Set.copyOf(wanted);
            }
        }
    }

    /** The pods of a namespace: from the slim informer cache when it watches the namespace, else the API server. */
    private List<Pod> podsIn(String namespace) {
        var source = workloadPods;
        boolean watched;
        synchronized (this) {
            watched = watchedNamespaces.contains(namespace);
        }
        if (source != null && watched) {
            return source.list(namespace, pod -> true).toList();
        }
        return client.pods().inNamespace(namespace).list().getItems();
    }

    /** The cluster's nodes: from the slim informer cache once it runs, else the API server. */
    private List<Node> allNodes() {
        var source = nodesCache;
        if (source != null) {
            return source.list(node -> true).toList();
        }
        return client.nodes().list().getItems();
    }

    /** One reconcile of the job (tests call it directly, without the framework). */
    UpdateControl<ProfilingJob> reconcile(ProfilingJob cached) {
        // The cache may not hold our last status write yet; the status counts slices and decides
        // which Events are new, so it must be the stored one.
        ProfilingJob job = client.resources(ProfilingJob.class)
                .inNamespace(cached.getMetadata().getNamespace())
                .withName(cached.getMetadata().getName())
                .get();
        if (job == null) {
            return UpdateControl.noUpdate();
        }
        JobStatusBuilder status = JobStatusBuilder.of(job, clock.instant());
        JobEvents.Pending events = jobEvents.pending(job);
        Duration recheck = null;
        if (Conditions.isTrue(status.old().conditions, ProfilingJobStatus.SUCCEEDED)) {
            release(job); // a finished job keeps its results, never its nodes' agents
            status.removeCondition(ProfilingJobStatus.AGENTS_READY);
        } else {
            Optional<Refusal> refusal =
                    validator.validate(job.getSpec(), job.getMetadata().getNamespace());
            TargetResolver.Resolution resolution = null;
            if (refusal.isEmpty()) {
                resolution = resolver.resolve(job);
                refusal = Optional.ofNullable(resolution.refusal());
            }
            if (refusal.isPresent()) {
                refuse(job, refusal.get(), status, events);
            } else {
                recheck = run(job, resolution.targets(), status, events);
            }
        }
        boolean stillFailed = Conditions.find(status.status().conditions, ProfilingJobStatus.DEGRADED)
                .filter(c -> RECONCILE_FAILED.equals(c.getReason()))
                .isPresent();
        if (stillFailed) {
            // An earlier error that this reconcile (refused or finished job) did not overwrite.
            status.condition(ProfilingJobStatus.DEGRADED, false, "Recovered", "the last reconcile succeeded");
        }
        statusWriter.write(job, status);
        events.record();
        UpdateControl<ProfilingJob> control = UpdateControl.noUpdate();
        return recheck == null ? control : control.rescheduleAfter(recheck.toMillis());
    }

    /**
     * An error the reconcile did not handle (the API server refused a read or a write, a bug): the
     * job says so in Degraded (reason {@link #RECONCILE_FAILED}, the error in one line), with a
     * Warning when it starts, and the framework retries with its back-off. The next reconcile that
     * succeeds sets Degraded from what it sees. The job's status is never lost to the error.
     */
    @Override
    public ErrorStatusUpdateControl<ProfilingJob> updateErrorStatus(
            ProfilingJob cached, Context<ProfilingJob> context, Exception error) {
        if (error instanceof KubernetesClientException api && api.getCode() == HttpURLConnection.HTTP_CONFLICT) {
            // The job changed since the reconcile read it (a spec edit, the finalizer): the retry
            // reads it again. Routine, not a failure to show.
            return ErrorStatusUpdateControl.defaultErrorProcessing();
        }
        try {
            ProfilingJob job = client.resources(ProfilingJob.class)
                    .inNamespace(cached.getMetadata().getNamespace())
                    .withName(cached.getMetadata().getName())
                    .get();
            if (job != null) {
                recordFailure(job, error);
            }
        } catch (RuntimeException secondError) {
            error.addSuppressed(secondError);
        }
        return ErrorStatusUpdateControl.noStatusUpdate();
    }

    void recordFailure(ProfilingJob job, Exception error) {
        JobStatusBuilder status = JobStatusBuilder.of(job, clock.instant());
        JobEvents.Pending events = jobEvents.pending(job);
        String message = describe(error);
        status.condition(ProfilingJobStatus.DEGRADED, true, RECONCILE_FAILED, message);
        if (status.isNewCondition(ProfilingJobStatus.DEGRADED, true, RECONCILE_FAILED)) {
            events.warning(RECONCILE_FAILED, message);
        }
        statusWriter.write(job, status);
        events.record();
    }

    /** The job is deleted: its nodes lose the agent label unless another job needs them. */
    @Override
    public DeleteControl cleanup(ProfilingJob job, Context<ProfilingJob> context) {
        nodeLabels.forget(job, allJobs());
        return DeleteControl.defaultDelete();
    }

    /** The job may not run: no agents, Ready=False with the reason, and a Warning Event when the reason is new. */
    private void refuse(ProfilingJob job, Refusal refusal, JobStatusBuilder status, JobEvents.Pending events) {
        release(job);
        status.status().phase = Phase.INVALID;
        status.status().targetNodes = List.of();
        status.status().nodeCounts = new NodeCounts(0, 0, 0, 0);
        status.status().missingNodes = null;
        status.status().failingNodes = null;
        status.status().nodes = "0/0";
        status.condition(ProfilingJobStatus.READY, false, refusal.reason(), refusal.message())
                .condition(ProfilingJobStatus.SCHEDULED, false, "NotReady", "no node agents: the job is not ready")
                .condition(ProfilingJobStatus.PROFILING, false, "NotReady", "no node agents: the job is not ready")
                .removeCondition(ProfilingJobStatus.AGENTS_READY);
        boolean sameAsBefore = status.oldCondition(ProfilingJobStatus.READY)
                .filter(c -> refusal.reason().equals(c.getReason())
                        && refusal.message().equals(c.getMessage()))
                .isPresent();
        if (!sameAsBefore) {
            events.warning(refusal.reason(), refusal.message());
        }
    }

    /** The job needs no agent any more (refused, finished): its nodes keep the label only for other jobs. */
    private void release(ProfilingJob job) {
        nodeLabels.sync(job, List.of(), allJobs());
    }

    /**
     * The agents of a job: the DaemonSet current, the job's target nodes labelled, and whether an
     * agent runs on each (AgentsReady). Returns when to look again, if a node's grace runs out or a
     * write is to be retried.
     */
    private Duration agents(ProfilingJob job, Targets targets, JobStatusBuilder status, JobEvents.Pending events) {
        AgentDaemonSet daemonSet = daemonSetWriter.daemonSet();
        Map<String, java.time.Instant> since;
        try {
            daemonSetWriter.ensure(cachedDaemonSet());
        } catch (KubernetesClientException e) {
            return writeFailed(
                    status,
                    events,
                    AGENT_DAEMON_SET_FAILED,
                    "DaemonSet " + daemonSet.namespace() + "/" + daemonSet.name() + " could not be written: "
                            + describe(e));
        }
        try {
            since = nodeLabels.sync(job, targets.nodes(), allJobs());
        } catch (KubernetesClientException e) {
            return writeFailed(
                    status,
                    events,
                    NODE_LABEL_FAILED,
                    "the agent label could not be set on the target nodes: " + describe(e));
        }
        AgentHealth.Verdict verdict =
                AgentHealth.of(targets.nodes(), agentPods(), since, this::daemonSetEvents, status.now(), sliceGrace);
        boolean wasFailing = status.oldCondition(ProfilingJobStatus.AGENTS_READY)
                .filter(c -> "False".equals(c.getStatus()) && !AgentHealth.STARTING.equals(c.getReason()))
                .isPresent();
        status.condition(ProfilingJobStatus.AGENTS_READY, verdict.ready(), verdict.reason(), verdict.message());
        List<String> failing = verdict.failingNodes();
        status.status().failingNodes = failing.isEmpty() ? null : ProfilingJobStatus.firstNodes(failing);
        status.status().nodeCounts = new NodeCounts(targets.nodes().size(), 0, 0, failing.size());
        if (verdict.failing() && status.isNewCondition(ProfilingJobStatus.AGENTS_READY, false, verdict.reason())) {
            events.warning(verdict.reason(), verdict.message());
        } else if (verdict.ready() && wasFailing) {
            events.normal(verdict.reason(), verdict.message());
        }
        return verdict.recheckAfter();
    }

    private Duration writeFailed(JobStatusBuilder status, JobEvents.Pending events, String reason, String message) {
        status.condition(ProfilingJobStatus.AGENTS_READY, false, reason, message)
                .condition(ProfilingJobStatus.SCHEDULED, false, reason, message);
        if (status.isNewCondition(ProfilingJobStatus.AGENTS_READY, false, reason)) {
            events.warning(reason, message);
        }
        return backOff(status, ProfilingJobStatus.AGENTS_READY, reason);
    }

    /**
     * How long to wait before retrying a failed write: as long as it has failed so far (so the
     * waits double), from {@link #FIRST_RETRY} up to {@link #LONGEST_RETRY}. Stateless: the
     * condition's lastTransitionTime says since when it fails.
     */
    static Duration backOff(JobStatusBuilder status, String type, String reason) {
        Duration failingFor = status.oldCondition(type)
                .filter(c -> "False".equals(c.getStatus()) && reason.equals(c.getReason()))
                .map(c -> Duration.between(Instant.parse(c.getLastTransitionTime()), status.now()))
                .orElse(Duration.ZERO);
        if (failingFor.compareTo(FIRST_RETRY) < 0) {
            return FIRST_RETRY;
        }
        return failingFor.compareTo(LONGEST_RETRY) > 0 ? LONGEST_RETRY : failingFor;
    }

    /** An error as one line: the API's status code, reason and message when it came from the API server. */
    static String describe(Exception error) {
        String text;
        if (error instanceof KubernetesClientException api && api.getStatus() != null) {
            var s = api.getStatus();
            text = api.getCode() + " " + (s.getReason() == null ? "" : s.getReason() + ": ")
                    + (s.getMessage() == null ? api.getMessage() : s.getMessage());
        } else {
            text = error.getClass().getSimpleName() + ": " + error.getMessage();
        }
        String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
        return line.length() <= 500 ? line : line.substring(0, 497) + "...";
    }

    private DaemonSet cachedDaemonSet() {
        var source = daemonSets;
        if (source == null) {
            return null;
        }
        AgentDaemonSet daemonSet = daemonSetWriter.daemonSet();
        return source.get(new ResourceID(daemonSet.name(), daemonSet.namespace()))
                .orElse(null);
    }

    private Collection<ProfilingJob> allJobs() {
        var cache = jobs;
        if (cache != null) {
            return cache.list().toList();
        }
        return client.resources(ProfilingJob.class).inAnyNamespace().list().getItems();
    }

    private List<Pod> agentPods() {
        AgentDaemonSet daemonSet = daemonSetWriter.daemonSet();
        var source = agentPods;
        if (source != null) {
            return source.list(daemonSet.namespace(), pod -> true).toList();
        }
        return client.pods()
                .inNamespace(daemonSet.namespace())
                .withLabels(AgentDaemonSet.podLabels())
                .list()
                .getItems();
    }

    /** The DaemonSet's Events (FailedCreate says why the controller could not create a pod). */
    private List<Event> daemonSetEvents() {
        AgentDaemonSet daemonSet = daemonSetWriter.daemonSet();
        return client.v1().events().inNamespace(daemonSet.namespace()).list().getItems().stream()
                .filter(e -> e.getInvolvedObject() != null
                        && "DaemonSet".equals(e.getInvolvedObject().getKind())
                        && daemonSet.name().equals(e.getInvolvedObject().getName()))
                .toList();
    }

    /** The job runs: agents on its nodes, the newest ready slice in the status. Returns when to look again, if sooner. */
    private Duration run(ProfilingJob job, Targets targets, JobStatusBuilder builder, JobEvents.Pending events) {
        ProfilingJobStatus old = builder.old();
        ProfilingJobStatus status = builder.status();
        Instant now = builder.now();
        long generation = builder.generation();
        List<String> nodes = List.copyOf(targets.nodes());
        status.targetNodes = ProfilingJobStatus.firstNodes(nodes);
        builder.condition(
                ProfilingJobStatus.READY,
                true,
                "Accepted",
                "the spec is valid and selects " + describeTargets(job, targets));
        builder.condition(
                ProfilingJobStatus.SCHEDULED,
                true,
                "NodesLabelled",
                "the agent DaemonSet runs on the job's " + nodes.size() + " node(s): "
                        + ProfilingJobStatus.describeNodes(nodes));
        status.nodeCounts = null; // agents() counts the failing nodes
        Duration agentsRecheck = agents(job, targets, builder, events);
        int oldTargets = old.nodeCounts == null || old.nodeCounts.target == null
                ? old.targetNodes.size()
                : old.nodeCounts.target;
        if (oldTargets != nodes.size() || !status.targetNodes.equals(old.targetNodes)) {
            events.normal(
                    "Scheduled", "Scheduled node agents on " + nodes.size() + " node" + (nodes.size() == 1 ? "" : "s"));
        }
        TriggerReport.update(job, ingested.triggerStates(job), nodes, old, status, now, generation, events);

        SliceStore.Ingested pushed = ingested.collect(
                job,
                targets.nodes(),
                sliceGrace,
                job.getSpec().effectiveTop(),
                job.getSpec().effectiveRetention());
        // Counted over every slice closed since the status was written, also those the retention
        // already pruned (more slices than the retention can close in one reconcile).
        int newWindows = pushed.closedWindows().stream()
                .filter(c -> status.lastSlice == null || c.id().compareTo(status.lastSlice.id) > 0)
                .mapToInt(SliceStore.ClosedWindows::windows)
                .sum();
        MergedSlice pushedSlice = pushed.newestFirst().stream()
                .findFirst()
                .filter(s -> status.lastSlice == null || s.id().compareTo(status.lastSlice.id) > 0)
                .orElse(null);
        if (pushedSlice != null) {
            status.lastSlice = pushedSlice.window();
            status.topApplications = pushedSlice.topApplications();
            status.hotspots = pushedSlice.hotspots();
            status.netRx = pushedSlice.netRxStatus();
            status.results = List.of(pushedSlice.configMap());
            status.reportingNodes = ProfilingJobStatus.firstNodes(pushedSlice.reportingNodes());
            status.completedSlices = Optional.ofNullable(status.completedSlices).orElse(0) + newWindows;
            events.normal(
                    "SliceCollected",
                    "Slice " + SliceWindow.describe(status.lastSlice) + " collected from "
                            + pushedSlice.reportingNodes().size() + "/" + nodes.size() + " nodes");
        }
        // The pushed slice the status shows (new now, or from an earlier reconcile) says who is missing.
        MergedSlice shown = pushed.newestFirst().stream()
                .filter(s -> status.lastSlice != null && s.id().equals(status.lastSlice.id))
                .findFirst()
                .orElse(null);
        limited(pushed, old, status, now, generation, events);
        ObjectStoreReport.update(ingested.uploads().status(job), status, now, generation);
        int reporting = reportingCount(shown, old, status);
        List<String> missing = shown == null ? List.of() : shown.missingNodes();
        status.missingNodes = missing.isEmpty() ? null : ProfilingJobStatus.firstNodes(missing);
        int failing = status.nodeCounts == null || status.nodeCounts.failing == null ? 0 : status.nodeCounts.failing;
        status.nodeCounts = new NodeCounts(nodes.size(), reporting, missing.size(), failing);
        status.nodes = reporting + "/" + nodes.size();
        degraded(shown, old, status, now, generation, events);

        if (status.lastSlice == null) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.PROFILING,
                    false,
                    "WaitingForFirstSlice",
                    "no slice collected yet",
                    generation,
                    now);
            status.phase = Phase.SCHEDULED;
        } else {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.PROFILING,
                    true,
                    "SliceCollected",
                    "last slice " + SliceWindow.describe(status.lastSlice) + " from " + status.nodes + " nodes",
                    generation,
                    now);
            status.phase = Phase.PROFILING;
        }
        finishIfDone(job, status, now, generation, events);
        return sooner(pushed.recheckAfter(), agentsRecheck);
    }

    /**
     * The Limited condition from the agents' limitations in the newest pushed slice: True with the
     * first reason, how many nodes have it and one example; False when no node reports one.
     */
    private static void limited(
            SliceStore.Ingested pushed,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        if (pushed.newestFirst().isEmpty()) {
            return; // nothing pushed yet: nothing to say
        }
        Map<String, List<String>> nodesByReason = new TreeMap<>();
        Map<String, String> example = new TreeMap<>();
        pushed.limitations()
                .forEach((node, limitations) -> limitations.forEach(l -> {
                    nodesByReason
                            .computeIfAbsent(l.reason(), r -> new ArrayList<>())
                            .add(node);
                    example.putIfAbsent(l.reason(), node + ": " + l.message());
                }));
        if (nodesByReason.isEmpty()) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.LIMITED,
                    false,
                    "NothingLimited",
                    "every node profiles with everything it needs",
                    generation,
                    now);
            return;
        }
        var first = nodesByReason.entrySet().iterator().next();
        String message = first.getValue().size() + " node(s) report " + first.getKey() + ", e.g. "
                + example.get(first.getKey())
                + (nodesByReason.size() > 1 ? " (also: " + String.join(", ", nodesByReason.keySet()) + ")" : "");
        boolean known = Conditions.find(old.conditions, ProfilingJobStatus.LIMITED)
                .filter(c -> first.getKey().equals(c.getReason()))
                .isPresent();
        Conditions.set(status.conditions, ProfilingJobStatus.LIMITED, true, first.getKey(), message, generation, now);
        if (!known) {
            events.warning(first.getKey(), message);
        }
    }

    private static void degraded(
            MergedSlice pushed,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        String reason = null;
        String message = null;
        if (pushed != null && !pushed.missingNodes().isEmpty()) {
            List<String> missing = pushed.missingNodes();
            reason = "NodesMissing";
            message = "slice " + pushed.id() + " has no report from " + missing.size() + " node(s): "
                    + ProfilingJobStatus.describeNodes(missing);
        }
        if (reason == null) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.DEGRADED,
                    false,
                    "NothingMissing",
                    "no node result is missing or unreadable",
                    generation,
                    now);
            return;
        }
        Conditions.set(status.conditions, ProfilingJobStatus.DEGRADED, true, reason, message, generation, now);
        String newMessage = Conditions.capped(message);
        boolean known = Conditions.find(old.conditions, ProfilingJobStatus.DEGRADED)
                .filter(c -> newMessage.equals(c.getMessage()))
                .isPresent();
        if (!known) {
            events.warning(reason, message);
        }
    }

    /** A job with runs is done when that many slices were merged: its nodes no longer need an agent for it. */
    private void finishIfDone(
            ProfilingJob job, ProfilingJobStatus status, Instant now, long generation, JobEvents.Pending events) {
        Integer runs = job.getSpec().runs;
        if (runs == null) {
            return;
        }
        int done = Optional.ofNullable(status.completedSlices).orElse(0);
        if (done < runs) {
            Conditions.set(
                    status.conditions,
                    ProfilingJobStatus.SUCCEEDED,
                    false,
                    "Running",
                    done + " of " + runs + " slice(s) collected",
                    generation,
                    now);
            return;
        }
        release(job);
        Conditions.remove(status.conditions, ProfilingJobStatus.AGENTS_READY);
        status.phase = Phase.SUCCEEDED;
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.SUCCEEDED,
                true,
                "RunsCompleted",
                runs + " slice(s) collected; results in " + String.join(", ", status.results),
                generation,
                now);
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.SCHEDULED,
                false,
                "Finished",
                "the job finished: its nodes no longer need an agent for it",
                generation,
                now);
        events.normal("Completed", "Collected " + runs + " slice(s); node agents removed");
    }

    private static Duration sooner(Duration a, Duration b) {
        if (a == null) {
            return b;
        }
        return b == null || a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * How many nodes the shown slice holds: from the slice when the store still has it, else what
     * the stored status said (a restarted operator whose store lost the slice).
     */
    private static int reportingCount(MergedSlice shown, ProfilingJobStatus old, ProfilingJobStatus status) {
        if (shown != null) {
            return shown.reportingNodes().size();
        }
        if (status.lastSlice != null && status.lastSlice.nodeCount != null) {
            return status.lastSlice.nodeCount;
        }
        return old.nodeCounts != null && old.nodeCounts.reporting != null
                ? old.nodeCounts.reporting
                : status.reportingNodes.size();
    }

    private static String describeTargets(ProfilingJob job, Targets targets) {
        return job.getSpec().nodeWide()
                ? "every process on " + targets.nodes().size() + " node(s)"
                : targets.pods().size() + " pod(s) on " + targets.nodes().size() + " node(s)";
    }
}

package dev.ebpf.profiling.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Phase;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobStatus;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.ingest.MergedSlice;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Reconciles a ProfilingJob: observe (the job and its last status) -> validate (the spec, then the
 * cluster: pods, nodes, CPUs) -> reconcile (agents on the target nodes, results merged, old results
 * pruned) -> status. The status is the operator's alone, and it is written only when it changed.
 *
 * <p>What the operator itself writes (the job's status above all, agent pods, config) is read from
 * the API server, so a reconcile sees its own writes. What the agents write (result and
 * trigger-state ConfigMaps, big and frequent) is read from the informer caches of the event sources
 * that start a reconcile on every such write (see {@link AgentReports}). The event sources: the
 * job's agent pods, result and trigger-state ConfigMaps (by owner reference), the pods its selector
 * matches, and the nodes (for node-wide jobs).
 */
@ControllerConfiguration(
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class ProfilingJobReconciler implements Reconciler<ProfilingJob> {

    private final KubernetesClient client;
    private final SpecValidator validator;
    private final CredentialsSecretCheck credentialsSecrets;
    private final TargetResolver resolver;
    private final AgentScheduler scheduler;
    private final ResultAggregator aggregator;
    private final JobEvents jobEvents;
    private final Duration sliceGrace;
    private final Clock clock;
    private final SliceStore ingested;

    /** A reconciler with a store of its own (tests that build one: each is a fresh operator). */
    public ProfilingJobReconciler(KubernetesClient client, OperatorConfig config) {
        this(client, config, new SliceStore(client));
    }

    @Inject
    public ProfilingJobReconciler(KubernetesClient client, OperatorConfig config, SliceStore ingested) {
        this.client = client;
        this.ingested = ingested;
        this.validator = new SpecValidator(config.nodeWideNamespaces().orElse(List.of()));
        this.credentialsSecrets = new CredentialsSecretCheck(client);
        this.resolver = new TargetResolver(client);
        this.scheduler =
                new AgentScheduler(client, new AgentPodFactory(config.agent()), new AgentRbac(client, config.agent()));
        this.aggregator = new ResultAggregator(client);
        this.jobEvents = new JobEvents(client);
        this.sliceGrace = config.sliceGrace();
        this.clock = Clock.systemUTC();
    }

    @Override
    public List<EventSource<?, ProfilingJob>> prepareEventSources(EventSourceContext<ProfilingJob> context) {
        var agents = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, ProfilingJob.class)
                        .withName("agent-pods")
                        .withLabelSelector(AgentContract.LABEL_COMPONENT + "=" + AgentContract.COMPONENT_AGENT)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ProfilingJob.class))
                        .build(),
                context);
        var results = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(ConfigMap.class, ProfilingJob.class)
                        .withName("result-configmaps")
                        .withLabelSelector(AgentContract.LABEL_COMPONENT + "=" + AgentContract.COMPONENT_RESULT)
                        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(ProfilingJob.class))
                        .build(),
                context);
        var workloads = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Pod.class, ProfilingJob.class)
                        .withName("workload-pods")
                        .withSecondaryToPrimaryMapper((Pod pod) -> jobsSelecting(context, pod))
                        .build(),
                context);
        var nodes = new InformerEventSource<>(
                InformerEventSourceConfiguration.from(Node.class, ProfilingJob.class)
                        .withName("nodes")
                        .withSecondaryToPrimaryMapper((Node node) -> nodeWideJobs(context))
                        .build(),
                context);
        // The ingest endpoint starts a reconcile when a slice's first report arrives (its grace
        // starts) and when every target node reported it; grace ends come from recheckAfter.
        var pushed = new SimpleInboundEventSource<ProfilingJob>("ingested-slices");
        ingested.onSliceReady(pushed::propagateEvent);
        return List.of(agents, results, TriggerStateReader.eventSource(context), workloads, nodes, pushed);
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
        return reconcile(cached, AgentReports.of(context));
    }

    /** One reconcile with what the job's agents wrote as {@code reports} (tests hand it in directly). */
    UpdateControl<ProfilingJob> reconcile(ProfilingJob cached, AgentReports reports) {
        // The cache may not hold our last status write yet; the status counts slices and decides
        // which Events are new, so it must be the stored one.
        ProfilingJob job = client.resources(ProfilingJob.class)
                .inNamespace(cached.getMetadata().getNamespace())
                .withName(cached.getMetadata().getName())
                .get();
        if (job == null) {
            return UpdateControl.noUpdate();
        }
        ProfilingJobStatus old = job.getStatus() == null ? new ProfilingJobStatus() : job.getStatus();
        ProfilingJobStatus status = copy(old);
        Instant now = clock.instant();
        long generation = Optional.ofNullable(job.getMetadata().getGeneration()).orElse(0L);
        status.observedGeneration = generation;

        JobEvents.Pending events = jobEvents.pending(job);
        Duration recheck = null;
        if (Conditions.isTrue(old.conditions, ProfilingJobStatus.SUCCEEDED)) {
            scheduler.removeAll(job); // a finished job keeps its results, never its agents
            // Its last slices may reach the store after it finished: the links follow them.
            UploadStatus.update(job, reports.results(), old, status, now, generation, events);
        } else {
            Optional<Refusal> refusal =
                    validator.validate(job.getSpec(), job.getMetadata().getNamespace());
            TargetResolver.Resolution resolution = null;
            if (refusal.isEmpty()) {
                refusal = credentialsSecrets.check(job);
            }
            if (refusal.isEmpty()) {
                resolution = resolver.resolve(job);
                refusal = Optional.ofNullable(resolution.refusal());
            }
            if (refusal.isPresent()) {
                refuse(job, refusal.get(), old, status, now, generation, events);
                recheck = CredentialsSecretCheck.recheckAfter(refusal.get());
            } else {
                recheck = run(job, resolution.targets(), reports, old, status, now, generation, events);
            }
        }

        if (!tree(status).equals(tree(old))) {
            // Written here, not through UpdateControl.patchStatus: the framework would diff against
            // its cached copy, which can lag behind our last write. A replace at the resourceVersion
            // read above fails on any change since (the reconcile is then retried), so no write is lost.
            job.setStatus(status);
            client.resource(job).updateStatus();
        }
        events.record();
        UpdateControl<ProfilingJob> control = UpdateControl.noUpdate();
        return recheck == null ? control : control.rescheduleAfter(recheck.toMillis());
    }

    /** The job may not run: no agents, Ready=False with the reason, and a Warning Event when the reason is new. */
    private void refuse(
            ProfilingJob job,
            Refusal refusal,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        scheduler.removeAll(job);
        status.phase = Phase.INVALID;
        status.targetNodes = List.of();
        status.nodes = "0/0";
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.READY,
                false,
                refusal.reason(),
                refusal.message(),
                generation,
                now);
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.SCHEDULED,
                false,
                "NotReady",
                "no node agents: the job is not ready",
                generation,
                now);
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.PROFILING,
                false,
                "NotReady",
                "no node agents: the job is not ready",
                generation,
                now);
        boolean sameAsBefore = Conditions.find(old.conditions, ProfilingJobStatus.READY)
                .filter(c -> refusal.reason().equals(c.getReason())
                        && refusal.message().equals(c.getMessage()))
                .isPresent();
        if (!sameAsBefore) {
            events.warning(refusal.reason(), refusal.message());
        }
    }

    /** The job runs: agents on its nodes, the newest ready slice in the status. Returns when to look again, if sooner. */
    private Duration run(
            ProfilingJob job,
            Targets targets,
            AgentReports reports,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        AgentScheduler.Outcome scheduled = scheduler.apply(job, targets);
        List<String> nodes = List.copyOf(targets.nodes());
        status.targetNodes = nodes;
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.READY,
                true,
                "Accepted",
                "the spec is valid and selects " + describeTargets(job, targets),
                generation,
                now);
        Conditions.set(
                status.conditions,
                ProfilingJobStatus.SCHEDULED,
                true,
                "AgentsScheduled",
                "node agents on " + nodes.size() + " node(s): " + String.join(", ", nodes),
                generation,
                now);
        if (!nodes.equals(old.targetNodes)) {
            events.normal(
                    "Scheduled", "Scheduled node agents on " + nodes.size() + " node" + (nodes.size() == 1 ? "" : "s"));
        }
        List<TriggerStateReader.Report> triggerStates =
                new ArrayList<>(TriggerStateReader.read(reports.triggerStates()));
        triggerStates.addAll(ingested.triggerStates(job));
        TriggerReport.update(job, triggerStates, nodes, old, status, now, generation, events);

        ResultAggregator.Collected collected = ResultAggregator.collect(reports.results());
        String lastMerged = old.lastSlice == null ? null : old.lastSlice.id;
        ResultAggregator.Choice choice = ResultAggregator.choose(
                job.getSpec().mode,
                collected.results(),
                targets.nodes(),
                lastMerged,
                old.reportingNodes == null ? 0 : old.reportingNodes.size(),
                now,
                sliceGrace);
        if (choice.slice() != null) {
            ProfileMerger.Merged merged =
                    ProfileMerger.merge(choice.results(), job.getSpec().effectiveTop());
            status.lastSlice = merged.slice();
            status.lastSlice.id = choice.slice();
            status.topApplications = merged.applications();
            status.hotspots = merged.hotspots();
            status.results = choice.results().stream()
                    .map(NodeResult::configMap)
                    .sorted()
                    .toList();
            status.reportingNodes = choice.results().stream()
                    .map(NodeResult::node)
                    .sorted()
                    .distinct()
                    .toList();
            status.completedSlices = Optional.ofNullable(old.completedSlices).orElse(0) + choice.newSlices();
            events.normal(
                    "SliceCollected",
                    "Slice " + SliceWindow.describe(status.lastSlice) + " collected from "
                            + status.reportingNodes.size() + "/" + nodes.size() + " nodes");
        }
        SliceStore.Ingested pushed = ingested.collect(
                job,
                targets.nodes(),
                sliceGrace,
                job.getSpec().effectiveTop(),
                job.getSpec().effectiveRetention());
        List<MergedSlice> newer = pushed.newestFirst().stream()
                .takeWhile(s -> status.lastSlice == null || s.id().compareTo(status.lastSlice.id) > 0)
                .toList();
        if (!newer.isEmpty()) {
            MergedSlice pushedSlice = newer.getFirst();
            status.lastSlice = pushedSlice.window();
            status.topApplications = pushedSlice.topApplications();
            status.hotspots = pushedSlice.hotspots();
            status.results = List.of(pushedSlice.configMap());
            status.reportingNodes = pushedSlice.reportingNodes();
            status.completedSlices = Optional.ofNullable(status.completedSlices).orElse(0)
                    + newer.stream().mapToInt(MergedSlice::windows).sum();
            events.normal(
                    "SliceCollected",
                    "Slice " + SliceWindow.describe(status.lastSlice) + " collected from "
                            + status.reportingNodes.size() + "/" + nodes.size() + " nodes");
        }
        // The pushed slice the status shows (new now, or from an earlier reconcile) says who is missing.
        MergedSlice shown = pushed.newestFirst().stream()
                .filter(s -> status.lastSlice != null && s.id().equals(status.lastSlice.id))
                .findFirst()
                .orElse(null);
        limited(pushed, old, status, now, generation, events);
        status.nodes = status.reportingNodes.size() + "/" + nodes.size();
        degraded(collected, choice, shown, old, status, now, generation, events);
        UploadStatus.update(job, reports.results(), old, status, now, generation, events);

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
        aggregator.prune(job, collected, job.getSpec().effectiveRetention());
        return earliest(choice.recheckAfter(), pushed.recheckAfter());
    }

    private static Duration earliest(Duration a, Duration b) {
        return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
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
            ResultAggregator.Collected collected,
            ResultAggregator.Choice choice,
            MergedSlice pushed,
            ProfilingJobStatus old,
            ProfilingJobStatus status,
            Instant now,
            long generation,
            JobEvents.Pending events) {
        String reason = null;
        String message = null;
        if (!collected.unreadable().isEmpty()) {
            reason = "ResultsUnreadable";
            message = String.join("; ", collected.unreadable());
        } else if (choice.slice() != null && !choice.missingNodes().isEmpty()) {
            reason = "NodesMissing";
            message = "slice " + choice.slice() + " has no result from " + String.join(", ", choice.missingNodes());
        } else if (pushed != null && !pushed.missingNodes().isEmpty()) {
            List<String> missing = pushed.missingNodes();
            reason = "NodesMissing";
            message = "slice " + pushed.id() + " has no report from " + missing.size() + " node(s): "
                    + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
                    + (missing.size() > 5 ? ", ..." : "");
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
        String newMessage = message;
        boolean known = Conditions.find(old.conditions, ProfilingJobStatus.DEGRADED)
                .filter(c -> newMessage.equals(c.getMessage()))
                .isPresent();
        if (!known) {
            events.warning(reason, message);
        }
    }

    /** A job with runs is done when that many slices were merged: its agents and their config go. */
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
        scheduler.removeAll(job);
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
                "the node agents finished and were removed",
                generation,
                now);
        events.normal("Completed", "Collected " + runs + " slice(s); node agents removed");
    }

    private static String describeTargets(ProfilingJob job, Targets targets) {
        return job.getSpec().nodeWide()
                ? "every process on " + targets.nodes().size() + " node(s)"
                : targets.pods().size() + " pod(s) on " + targets.nodes().size() + " node(s)";
    }

    private static ProfilingJobStatus copy(ProfilingJobStatus status) {
        return ProfileJson.mapper().convertValue(status, ProfilingJobStatus.class);
    }

    private static JsonNode tree(ProfilingJobStatus status) {
        return ProfileJson.mapper().valueToTree(status);
    }
}

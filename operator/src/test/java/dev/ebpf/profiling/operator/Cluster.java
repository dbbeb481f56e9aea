package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.ingest.NodeTriggerReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.NodeTriggerState;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import dev.ebpf.profiling.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.Arc;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.awaitility.Awaitility;

/** Builds cluster state in the mock API server: nodes, workload pods, jobs, and and what the agents push. */
final class Cluster {

    /** An upper bound, not an expectation: generous for a loaded machine, it costs nothing when all goes well. */
    static final Duration WAIT = Duration.ofSeconds(60);

    private final KubernetesClient client;
    private SliceStore store;

    Cluster(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Creates the node unless it exists: rewriting an existing one would race the operator's label
     * patches (409) and drop the agent label it set for other tests' jobs.
     */
    void node(String name, int cpus) {
        if (client.nodes().withName(name).get() != null) {
            return;
        }
        client.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewStatus()
                        .addToCapacity("cpu", new Quantity(Integer.toString(cpus)))
                        .endStatus()
                        .build())
                .create();
    }

    Pod pod(String namespace, String name, Map<String, String> labels, String node) {
        return client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace(namespace)
                        .withName(name)
                        .withUid(UUID.randomUUID().toString())
                        .withLabels(labels)
                        .endMetadata()
                        .withNewSpec()
                        .withNodeName(node)
                        .addNewContainer()
                        .withName("main")
                        .withImage("nginx")
                        .endContainer()
                        .endSpec()
                        .withNewStatus()
                        .withPhase(node == null ? "Pending" : "Running")
                        .endStatus()
                        .build())
                .create();
    }

    /** Moves a pod as a controller would: the old one goes, a new one (new uid) comes up on the other node. */
    Pod move(Pod pod, String name, String toNode) {
        client.resource(pod).delete();
        return pod(pod.getMetadata().getNamespace(), name, pod.getMetadata().getLabels(), toNode);
    }

    static ProfilingJobSpec spec(Mode mode, Map<String, String> selector) {
        ProfilingJobSpec spec = new ProfilingJobSpec();
        spec.mode = mode;
        spec.selector = selector == null
                ? null
                : new LabelSelectorBuilder().withMatchLabels(selector).build();
        return spec;
    }

    ProfilingJob job(String namespace, String name, ProfilingJobSpec spec) {
        ProfilingJob job = new ProfilingJob();
        job.getMetadata().setNamespace(namespace);
        job.getMetadata().setName(name);
        job.setSpec(spec);
        return client.resource(job).create();
    }

    /** Waits until the job's condition has the status; returns the job as it is then. */
    ProfilingJob awaitCondition(String namespace, String name, String type, String status) {
        return await(
                namespace,
                name,
                job -> job.getStatus() != null
                        && Conditions.find(job.getStatus().conditions, type)
                                .filter(c -> status.equals(c.getStatus()))
                                .isPresent());
    }

    ProfilingJob await(String namespace, String name, java.util.function.Predicate<ProfilingJob> done) {
        return Awaitility.await().atMost(WAIT).until(() -> get(namespace, name), job -> job != null && done.test(job));
    }

    ProfilingJob get(String namespace, String name) {
        return client.resources(ProfilingJob.class)
                .inNamespace(namespace)
                .withName(name)
                .get();
    }

    /** A profile of one node: each application gets the samples given, in order, on a 2-CPU node at 99 Hz for 30 s. */
    static NodeProfile profile(String node, Instant start, List<ApplicationUsage> apps) {
        return profile(node, start, 30, apps);
    }

    /** The same for a slice of {@code seconds}. */
    static NodeProfile profile(String node, Instant start, int seconds, List<ApplicationUsage> apps) {
        long total = apps.stream().mapToLong(ApplicationUsage::samples).sum();
        return new NodeProfile(
                node,
                "cpu-clock",
                99,
                List.of(0, 1),
                start,
                start.plusSeconds(seconds),
                seconds,
                total,
                0,
                LostSamples.NONE,
                apps);
    }

    static ApplicationUsage podApp(Pod pod, long samples) {
        PodRef ref = PodRef.fromCgroup(
                        pod.getMetadata().getUid(), "c-" + pod.getMetadata().getName())
                .withNames(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), "main");
        return new ApplicationUsage(
                0,
                "main",
                "kubepods/" + pod.getMetadata().getUid(),
                ref,
                List.of(1),
                samples,
                samples * 100.0 / (99 * 30 * 2));
    }

    /**
     * Pushes a node's slice report as its agent does, into {@link #store()}: the ingest path, minus
     * HTTP and the token review (the ingest tests cover those).
     */
    void result(ProfilingJob job, NodeProfile profile) {
        ProfilingJob current =
                get(job.getMetadata().getNamespace(), job.getMetadata().getName());
        Set<String> resolved = store().targets(current);
        Set<String> targets = resolved == null ? Set.of(profile.node()) : resolved;
        store().accept(current, targets, sliceReport(current, profile));
    }

    void result(ProfilingJob job, String node, Instant sliceStart, String profileJson) {
        try {
            result(job, ProfileJson.mapper().readValue(profileJson, NodeProfile.class));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static NodeSliceReport sliceReport(ProfilingJob job, NodeProfile profile) {
        return new NodeSliceReport(
                NodeSliceReport.SCHEMA_VERSION,
                jobKey(job),
                profile.node(),
                profile.start(),
                profile.end(),
                profile,
                Map.of(),
                Map.of(),
                0,
                List.of(),
                Map.of(),
                List.of());
    }

    static JobKey jobKey(ProfilingJob job) {
        return new JobKey(
                job.getMetadata().getNamespace(),
                job.getMetadata().getName(),
                job.getMetadata().getUid(),
                job.getMetadata().getGeneration());
    }

    /** Pushes a node's trigger state as a trigger-mode agent does, into {@link #store()}. */
    void triggerState(ProfilingJob job, NodeTriggerState state) {
        ProfilingJob current =
                get(job.getMetadata().getNamespace(), job.getMetadata().getName());
        store().accept(
                        current,
                        new NodeTriggerReport(NodeTriggerReport.SCHEMA_VERSION, jobKey(current), state.node(), state));
    }

    /** Reports go to this store from now on (a test's own operator), not the running operator's. */
    Cluster pushTo(SliceStore store) {
        this.store = store;
        return this;
    }

    /** The store reports go to: the one set with {@link #pushTo}, else the running operator's. */
    SliceStore store() {
        return store != null
                ? store
                : Arc.container().instance(SliceStore.class).get();
    }

    /** A node-sys trigger's state at 80%: the given phase and value, and its firings so far (oldest first). */
    static NodeTriggerState triggerState(
            String node, String phase, Double value, Instant readAt, List<NodeTriggerState.TriggerFiring> recent) {
        return new NodeTriggerState(node, "node-sys", 80, phase, value, readAt, null, recent.size(), recent);
    }

    /** A node-sys firing at 80% after 5 s above it, its window 30 s, merged into the job's result of that slice. */
    static NodeTriggerState.TriggerFiring firing(String job, String node, Instant at, double value) {
        return new NodeTriggerState.TriggerFiring(
                at,
                value,
                at.minusSeconds(5),
                at.plusSeconds(30),
                AgentContract.jobResultName(job, at),
                "Triggered: " + node + " node-sys " + (long) value + "% > 80% for 5s");
    }

    static String toJson(Object document) {
        try {
            return ProfileJson.mapper().writeValueAsString(document);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}

package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.ingest.JobKey;
import dev.ebpf.profiling.api.ingest.NodeSliceReport;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.operator.ingest.SliceStore;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.arc.Arc;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * What the web view reads, put into the mock API server as the operator would: nodes, workload
 * pods, a job, and its result ConfigMaps (one per slice, the nodes' reports merged).
 */
final class WebCluster {

    /** The profiles are of 2-CPU nodes sampled at 99 Hz for 30 s: 5,940 samples make 100%. */
    static final int HZ = 99;

    static final int SECONDS = 30;
    static final List<Integer> CPUS = List.of(0, 1);

    private final KubernetesClient client;
    /** Per job uid and slice: each node's report so far. */
    private final Map<String, Map<String, NodeSliceReport>> reports = new HashMap<>();

    WebCluster(KubernetesClient client) {
        this.client = client;
    }

    /** A job selecting {@code app=<name>} pods, with one running pod per node given. */
    ProfilingJob job(String namespace, String name, String... nodes) {
        for (String node : nodes) {
            // A node made by an earlier job is left as it is: the operator labels it meanwhile.
            if (client.nodes().withName(node).get() == null) {
                client.nodes()
                        .resource(new NodeBuilder()
                                .withNewMetadata()
                                .withName(node)
                                .endMetadata()
                                .withNewStatus()
                                .addToCapacity("cpu", new Quantity(Integer.toString(CPUS.size())))
                                .endStatus()
                                .build())
                        .create();
            }
            client.resource(new PodBuilder()
                            .withNewMetadata()
                            .withNamespace(namespace)
                            .withName(name + "-" + node)
                            .withUid(UUID.randomUUID().toString())
                            .withLabels(Map.of("app", name))
                            .endMetadata()
                            .withNewSpec()
                            .withNodeName(node)
                            .addNewContainer()
                            .withName("main")
                            .withImage("nginx")
                            .endContainer()
                            .endSpec()
                            .withNewStatus()
                            .withPhase("Running")
                            .endStatus()
                            .build())
                    .create();
        }
        ProfilingJobSpec spec = new ProfilingJobSpec();
        spec.mode = Mode.GENERAL;
        spec.selector =
                new LabelSelectorBuilder().withMatchLabels(Map.of("app", name)).build();
        ProfilingJob job = new ProfilingJob();
        job.getMetadata().setNamespace(namespace);
        job.getMetadata().setName(name);
        job.setSpec(spec);
        return client.resource(job).create();
    }

    /** A pod container application using {@code cpuPercent} of a node's 2 CPUs. */
    static ApplicationUsage app(String namespace, String pod, double cpuPercent) {
        long samples = Math.round(cpuPercent * HZ * SECONDS * CPUS.size() / 100);
        PodRef ref = new PodRef("uid-" + pod, "cid-" + pod, namespace, pod, "main");
        return new ApplicationUsage(0, "main", "kubepods/uid-" + pod, ref, List.of(1), samples, cpuPercent);
    }

    /** A host process (no pod) using {@code cpuPercent} of the node. */
    static ApplicationUsage hostProcess(String name, double cpuPercent) {
        long samples = Math.round(cpuPercent * HZ * SECONDS * CPUS.size() / 100);
        return new ApplicationUsage(0, name, "system.slice/x.service", null, List.of(7), samples, cpuPercent);
    }

    static NodeProfile profile(String node, Instant start, List<ApplicationUsage> apps) {
        long total = apps.stream().mapToLong(ApplicationUsage::samples).sum();
        return new NodeProfile(
                node,
                "cpu-clock",
                HZ,
                CPUS,
                start,
                start.plusSeconds(SECONDS),
                SECONDS,
                total,
                0,
                LostSamples.NONE,
                apps);
    }

    /**
     * A node's report for a slice, merged with the job's other nodes' reports of that slice into the
     * slice's one result ConfigMap, by the ingest path's own code (a {@link SliceStore} that closes
     * the slice at once). The ConfigMap is written again when another node's report comes.
     *
     * @param offCpu    folded off-CPU stacks, or null for a job that does not profile off-CPU
     * @param truncated stacks the 1 MiB cut dropped, as the operator counts them on the ConfigMap
     */
    ConfigMap result(ProfilingJob job, NodeProfile profile, String onCpu, String offCpu, int truncated) {
        return result(job, profile, onCpu, offCpu, null, truncated);
    }

    /** As {@link #result(ProfilingJob, NodeProfile, String, String, int)}, with trigger-mode history stacks. */
    ConfigMap result(
            ProfilingJob job, NodeProfile profile, String onCpu, String offCpu, String historyStacks, int truncated) {
        String slice = AgentContract.sliceLabel(profile.start());
        Map<String, NodeSliceReport> nodes =
                reports.computeIfAbsent(job.getMetadata().getUid() + "/" + slice, k -> new java.util.TreeMap<>());
        nodes.put(
                profile.node(),
                new NodeSliceReport(
                        NodeSliceReport.SCHEMA_VERSION,
                        new JobKey(
                                job.getMetadata().getNamespace(),
                                job.getMetadata().getName(),
                                job.getMetadata().getUid(),
                                job.getMetadata().getGeneration()),
                        profile.node(),
                        profile.start(),
                        profile.end(),
                        profile,
                        folded(onCpu),
                        folded(offCpu),
                        0,
                        List.of(),
                        folded(historyStacks),
                        List.of()));
        String name = AgentContract.jobResultName(job.getMetadata().getName(), profile.start());
        var configMaps = client.configMaps().inNamespace(job.getMetadata().getNamespace());
        configMaps.withName(name).delete(); // a fresh store would take it for a slice already closed
        SliceStore store = new SliceStore(client);
        nodes.values().forEach(r -> store.accept(job, nodes.keySet(), r));
        store.collect(job, nodes.keySet(), Duration.ZERO, 10, Integer.MAX_VALUE);
        if (truncated > 0) {
            configMaps
                    .withName(name)
                    .edit(cm -> new ConfigMapBuilder(cm)
                            .editMetadata()
                            .addToAnnotations(AgentContract.ANNOTATION_TRUNCATED_STACKS, Integer.toString(truncated))
                            .endMetadata()
                            .build());
        }
        return configMaps.withName(name).get();
    }

    /** Pushes a node's report to the running operator, which merges it into the job's status. */
    void push(ProfilingJob job, NodeProfile profile, String onCpu) {
        Arc.container()
                .instance(SliceStore.class)
                .get()
                .accept(
                        job,
                        java.util.Set.of(profile.node()),
                        new NodeSliceReport(
                                NodeSliceReport.SCHEMA_VERSION,
                                new JobKey(
                                        job.getMetadata().getNamespace(),
                                        job.getMetadata().getName(),
                                        job.getMetadata().getUid(),
                                        job.getMetadata().getGeneration()),
                                profile.node(),
                                profile.start(),
                                profile.end(),
                                profile,
                                folded(onCpu),
                                Map.of(),
                                0,
                                List.of(),
                                Map.of(),
                                List.of()));
    }

    /** A job-level result ConfigMap whose stacks are whatever bytes the test gives, to see how the view copes. */
    ConfigMap write(ProfilingJob job, NodeProfile profile, Map<String, String> binaryData) {
        ConfigMap cm = result(job, profile, "main 1\n", null, 0);
        return client.resource(
                        new ConfigMapBuilder(cm).withBinaryData(binaryData).build())
                .update();
    }

    /** Folded stack lines ({@code a;b;c 12}) as the map a report carries; null is none. */
    static Map<String, Long> folded(String lines) {
        Map<String, Long> stacks = new java.util.LinkedHashMap<>();
        if (lines != null) {
            lines.lines().filter(l -> !l.isBlank()).forEach(l -> {
                int space = l.lastIndexOf(' ');
                stacks.merge(
                        l.substring(0, space),
                        Long.parseLong(l.substring(space + 1).strip()),
                        Long::sum);
            });
        }
        return stacks;
    }

    static String gzipBase64(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
}

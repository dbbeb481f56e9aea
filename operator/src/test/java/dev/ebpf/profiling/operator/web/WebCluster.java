package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.Mode;
import dev.ebpf.profiling.api.job.ProfilingJob;
import dev.ebpf.profiling.api.job.ProfilingJobSpec;
import dev.ebpf.profiling.api.profile.ApplicationUsage;
import dev.ebpf.profiling.api.profile.LostSamples;
import dev.ebpf.profiling.api.profile.NodeProfile;
import dev.ebpf.profiling.api.profile.PodRef;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * What the web view reads, put into the mock API server as the agents and the operator would:
 * nodes, workload pods, a job, and result ConfigMaps with profile.json and gzipped folded stacks.
 */
final class WebCluster {

    /** The profiles are of 2-CPU nodes sampled at 99 Hz for 30 s: 5,940 samples make 100%. */
    static final int HZ = 99;

    static final int SECONDS = 30;
    static final List<Integer> CPUS = List.of(0, 1);

    private final KubernetesClient client;

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
     * Writes a node's result for a slice as an agent does (layout in AgentContract).
     *
     * @param offCpu folded off-CPU stacks, or null for a job that does not profile off-CPU
     */
    ConfigMap result(ProfilingJob job, NodeProfile profile, String onCpu, String offCpu, int truncated) {
        Map<String, String> binary = new HashMap<>();
        binary.put(AgentContract.RESULT_ON_CPU_STACKS_KEY, gzipBase64(onCpu));
        if (offCpu != null) {
            binary.put(AgentContract.RESULT_OFF_CPU_STACKS_KEY, gzipBase64(offCpu));
        }
        return write(job, profile, binary, truncated);
    }

    /** A result whose stacks are whatever bytes the test gives, to see how the view copes. */
    ConfigMap write(ProfilingJob job, NodeProfile profile, Map<String, String> binaryData, int truncated) {
        String jobName = job.getMetadata().getName();
        try {
            return client.resource(new ConfigMapBuilder()
                            .withNewMetadata()
                            .withNamespace(job.getMetadata().getNamespace())
                            .withName(AgentContract.resultName(jobName, profile.node(), profile.start()))
                            .withLabels(Map.of(
                                    AgentContract.LABEL_MANAGED_BY,
                                    AgentContract.MANAGED_BY,
                                    AgentContract.LABEL_JOB,
                                    AgentContract.labelValue(jobName),
                                    AgentContract.LABEL_COMPONENT,
                                    AgentContract.COMPONENT_RESULT,
                                    AgentContract.LABEL_NODE,
                                    AgentContract.labelValue(profile.node()),
                                    AgentContract.LABEL_SLICE,
                                    AgentContract.sliceLabel(profile.start())))
                            .withAnnotations(
                                    Map.of(AgentContract.ANNOTATION_TRUNCATED_STACKS, Integer.toString(truncated)))
                            .withOwnerReferences(new OwnerReferenceBuilder()
                                    .withApiVersion(job.getApiVersion())
                                    .withKind(job.getKind())
                                    .withName(jobName)
                                    .withUid(job.getMetadata().getUid())
                                    .withController(true)
                                    .build())
                            .endMetadata()
                            .withData(Map.of(
                                    AgentContract.RESULT_PROFILE_KEY,
                                    ProfileJson.mapper().writeValueAsString(profile)))
                            .withBinaryData(binaryData)
                            .build())
                    .create();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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

package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.job.ObjectStoreSpec;
import dev.ebpf.profiling.api.job.Profiler;
import dev.ebpf.profiling.api.job.ProfilingJob;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The node agent pod of a job on one node.
 *
 * <p>Why one Pod per node with {@code nodeName} and not a DaemonSet with node affinity: the target
 * nodes are already decided (where the selected pods run), so the scheduler has nothing to add; a
 * one-shot job's agent must be able to finish (DaemonSet pods must use restartPolicy Always and
 * would be restarted forever); and the operator, which owns the pods, sees and replaces each node's
 * agent directly when the selected pods move. The operator recreates a pod that disappears.
 *
 * <p>Security: hostPID (to see the selected pods' processes), the capabilities BPF, PERFMON,
 * SYS_RESOURCE (locked memory for maps) and SYS_PTRACE (/proc/PID/root for symbols) and nothing
 * else, not privileged, a read-only root filesystem, read-only host mounts, requests and limits, and
 * a ServiceAccount of its own (see {@link AgentRbac}).
 */
public final class AgentPodFactory {

    /** The pod spec's fingerprint: a pod whose spec no longer matches the job is replaced. */
    public static final String ANNOTATION_SPEC_HASH = "profiling.ebpf.dev/agent-spec-hash";

    static final List<String> CAPABILITIES = List.of("BPF", "PERFMON", "SYS_RESOURCE", "SYS_PTRACE");
    static final String CONTAINER = "node-agent";
    private static final String TMP_SIZE = "64Mi";
    /** Owner read-only: the agent runs as root and nothing else in the pod needs the key pair. */
    private static final int CREDENTIALS_FILE_MODE = 0400;

    private final OperatorConfig.AgentSettings settings;

    public AgentPodFactory(OperatorConfig.AgentSettings settings) {
        this.settings = settings;
    }

    public Pod pod(ProfilingJob job, String node) {
        List<VolumeMount> mounts = new ArrayList<>();
        List<Volume> volumes = new ArrayList<>();
        hostPath(volumes, mounts, "cgroup", "/sys/fs/cgroup");
        hostPath(volumes, mounts, "btf", "/sys/kernel/btf");
        if (job.getSpec().effectiveProfilers().contains(Profiler.OFF_CPU)) {
            // sched_switch is a tracepoint: libbpf reads its id from tracefs.
            hostPath(volumes, mounts, "tracing", "/sys/kernel/tracing");
        }
        volumes.add(new VolumeBuilder()
                .withName("job-config")
                .withNewConfigMap()
                .withName(AgentContract.jobConfigName(job.getMetadata().getName()))
                .endConfigMap()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName("job-config")
                .withMountPath(AgentContract.JOB_CONFIG_MOUNT_PATH)
                .withReadOnly(true)
                .build());
        // The root filesystem is read-only; the JVM still needs a small /tmp.
        volumes.add(new VolumeBuilder()
                .withName("tmp")
                .withNewEmptyDir()
                .withSizeLimit(new Quantity(TMP_SIZE))
                .endEmptyDir()
                .build());
        mounts.add(
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
        objectStore(job, volumes, mounts);

        Map<String, String> labels = OwnedObjects.labels(job, AgentContract.COMPONENT_AGENT);
        labels.put(AgentContract.LABEL_NODE, AgentContract.labelValue(node));
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(AgentContract.agentPodName(job.getMetadata().getName(), node))
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(labels)
                .withOwnerReferences(OwnedObjects.ownerReference(job))
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .withHostPID(true)
                .withServiceAccountName(settings.serviceAccount())
                .withRestartPolicy("OnFailure")
                // The agent must run wherever the selected pods run, tainted nodes included.
                .withTolerations(new TolerationBuilder().withOperator("Exists").build())
                .withContainers(new ContainerBuilder()
                        .withName(CONTAINER)
                        .withImage(settings.image())
                        .withImagePullPolicy(settings.imagePullPolicy())
                        .withEnv(
                                new EnvVarBuilder()
                                        .withName(AgentContract.ENV_NODE_NAME)
                                        .withNewValueFrom()
                                        .withNewFieldRef()
                                        .withFieldPath("spec.nodeName")
                                        .endFieldRef()
                                        .endValueFrom()
                                        .build(),
                                new EnvVarBuilder()
                                        .withName(AgentContract.ENV_POD_NAMESPACE)
                                        .withNewValueFrom()
                                        .withNewFieldRef()
                                        .withFieldPath("metadata.namespace")
                                        .endFieldRef()
                                        .endValueFrom()
                                        .build(),
                                new EnvVarBuilder()
                                        .withName(AgentContract.ENV_METRICS_PORT)
                                        .withValue(Integer.toString(AgentContract.METRICS_PORT))
                                        .build())
                        // Prometheus scrapes the agent here (a PodMonitor selects the port by name).
                        .withPorts(new ContainerPortBuilder()
                                .withName(AgentContract.METRICS_PORT_NAME)
                                .withContainerPort(AgentContract.METRICS_PORT)
                                .withProtocol("TCP")
                                .build())
                        .withSecurityContext(new SecurityContextBuilder()
                                .withPrivileged(false)
                                .withAllowPrivilegeEscalation(false)
                                .withReadOnlyRootFilesystem(true)
                                .withRunAsUser(0L)
                                .withNewCapabilities()
                                .withDrop("ALL")
                                .withAdd(CAPABILITIES)
                                .endCapabilities()
                                .build())
                        .withResources(new ResourceRequirementsBuilder()
                                .withRequests(new TreeMap<>(Map.of(
                                        "cpu",
                                        new Quantity(settings.cpuRequest()),
                                        "memory",
                                        new Quantity(settings.memoryRequest()))))
                                .withLimits(new TreeMap<>(Map.of(
                                        "cpu",
                                        new Quantity(settings.cpuLimit()),
                                        "memory",
                                        new Quantity(settings.memoryLimit()))))
                                .build())
                        .withVolumeMounts(mounts)
                        .build())
                .withVolumes(volumes)
                .endSpec()
                .build();
        pod.getMetadata().setAnnotations(Map.of(ANNOTATION_SPEC_HASH, hash(pod)));
        return pod;
    }

    /**
     * With an object store: the credentials Secret as two files (mounted, not env, so a fixed
     * Secret reaches the running agent; see {@link AgentContract#CREDENTIALS_MOUNT_PATH}) and an
     * emptyDir for the spool, which outlives container restarts.
     */
    private static void objectStore(ProfilingJob job, List<Volume> volumes, List<VolumeMount> mounts) {
        ObjectStoreSpec store = job.getSpec().output == null ? null : job.getSpec().output.objectStore;
        if (store == null) {
            return;
        }
        ObjectStoreSpec.CredentialsSecret secret = store.credentialsSecret;
        volumes.add(new VolumeBuilder()
                .withName("object-store-credentials")
                .withNewSecret()
                .withSecretName(secret.name)
                .addNewItem()
                .withKey(secret.effectiveAccessKeyIdKey())
                .withPath(AgentContract.CREDENTIALS_ACCESS_KEY_ID_FILE)
                .endItem()
                .addNewItem()
                .withKey(secret.effectiveSecretAccessKeyKey())
                .withPath(AgentContract.CREDENTIALS_SECRET_ACCESS_KEY_FILE)
                .endItem()
                .withDefaultMode(CREDENTIALS_FILE_MODE)
                .endSecret()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName("object-store-credentials")
                .withMountPath(AgentContract.CREDENTIALS_MOUNT_PATH)
                .withReadOnly(true)
                .build());
        volumes.add(new VolumeBuilder()
                .withName("spool")
                .withNewEmptyDir()
                .withSizeLimit(new Quantity(AgentContract.SPOOL_VOLUME_SIZE))
                .endEmptyDir()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName("spool")
                .withMountPath(AgentContract.SPOOL_MOUNT_PATH)
                .build());
    }

    private static void hostPath(List<Volume> volumes, List<VolumeMount> mounts, String name, String path) {
        volumes.add(new VolumeBuilder()
                .withName(name)
                .withNewHostPath()
                .withPath(path)
                .withType("Directory")
                .endHostPath()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName(name)
                .withMountPath(path)
                .withReadOnly(true)
                .build());
    }

    /** Over the spec's text; every map in the spec is ordered, so the hash is stable across restarts. */
    private static String hash(Pod pod) {
        CRC32 crc = new CRC32();
        crc.update(pod.getSpec().toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}

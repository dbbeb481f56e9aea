package dev.ebpf.profiling.operator.agents;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.AgentContract;
import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.api.store.ObjectStoreDefinition;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import dev.ebpf.profiling.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The one node agent DaemonSet, in the operator's namespace. Its pods run on the nodes labelled
 * {@link IngestContract#NODE_LABEL_AGENT} (see {@link NodeLabels}): the DaemonSet controller places,
 * evicts and restarts them with its own back-off. One agent serves every job that targets its node;
 * it watches the ProfilingJobs and its node's pods itself ({@code node-agent run}), and pushes what it
 * measures to the operator's ingest endpoint, authenticated with a projected ServiceAccount token.
 *
 * <p>Security: hostPID (to see the selected pods' processes), not privileged, every capability
 * dropped but BPF, PERFMON, SYS_PTRACE (/proc/PID/root for symbols) and SYSLOG (kernel addresses in
 * /proc/kallsyms when perf_event_paranoid > 1), SYS_RESOURCE only when asked (kernels before 5.11
 * charge BPF maps to RLIMIT_MEMLOCK), a read-only root filesystem, read-only host mounts, requests and
 * limits. Nothing a tenant can write steers it: it lives in the operator's namespace only.
 */
public final class AgentDaemonSet {

    /** The spec's fingerprint: the DaemonSet is rewritten when the operator's settings changed. */
    public static final String ANNOTATION_SPEC_HASH = "profiling.ebpf.dev/agent-spec-hash";

    public static final String CONTAINER = "node-agent";
    static final List<String> CAPABILITIES = List.of("BPF", "PERFMON", "SYS_PTRACE", "SYSLOG");
    static final String SYS_RESOURCE = "SYS_RESOURCE";
    /** The agents' projected token lives this long (the kubelet renews it at 80 %); the simulator asks for the same. */
    public static final long TOKEN_EXPIRATION_SECONDS = 3600;

    private static final String TMP_SIZE = "64Mi";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OperatorConfig.AgentSettings settings;
    private final String namespace;
    private final List<String> nodeWideNamespaces;
    private final ObjectStoreDefinitions objectStores;
    private final Duration uploadJitter;

    public AgentDaemonSet(OperatorConfig.AgentSettings settings, String namespace, List<String> nodeWideNamespaces) {
        this(settings, namespace, nodeWideNamespaces, ObjectStoreDefinitions.none(), Duration.ofSeconds(30));
    }

    /**
     * @param objectStores the admin's stores: their definitions go to the agents' environment, and
     *                     each store's credentials Secret (in this namespace) is mounted for them
     * @param uploadJitter the agents' longest random delay before an upload
     */
    public AgentDaemonSet(
            OperatorConfig.AgentSettings settings,
            String namespace,
            List<String> nodeWideNamespaces,
            ObjectStoreDefinitions objectStores,
            Duration uploadJitter) {
        this.settings = settings;
        this.namespace = namespace;
        this.nodeWideNamespaces = List.copyOf(nodeWideNamespaces);
        this.objectStores = objectStores;
        this.uploadJitter = uploadJitter;
    }

    public String namespace() {
        return namespace;
    }

    public String name() {
        return settings.name();
    }

    /** The labels of the DaemonSet and its pods; the agent-pod informer selects them. */
    public static Map<String, String> podLabels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(AgentContract.LABEL_MANAGED_BY, AgentContract.MANAGED_BY);
        labels.put(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_AGENT);
        return labels;
    }

    /** {@link #podLabels()} as a label selector string. */
    public static String podSelector() {
        return AgentContract.LABEL_MANAGED_BY + "=" + AgentContract.MANAGED_BY + "," + AgentContract.LABEL_COMPONENT
                + "=" + AgentContract.COMPONENT_AGENT;
    }

    public String ingestUrl() {
        return "https://" + settings.ingestService() + "." + namespace + ".svc:" + settings.ingestPort();
    }

    public DaemonSet desired() {
        List<VolumeMount> mounts = new ArrayList<>();
        List<Volume> volumes = new ArrayList<>();
        hostPath(volumes, mounts, "cgroup", "/sys/fs/cgroup");
        hostPath(volumes, mounts, "btf", "/sys/kernel/btf");
        // sched_switch (off-CPU) and the net-rx tracepoints: libbpf reads their ids from tracefs.
        hostPath(volumes, mounts, "tracing", "/sys/kernel/tracing");
        volumes.add(new VolumeBuilder()
                .withName("ingest")
                .withNewProjected()
                .addNewSource()
                .withNewServiceAccountToken()
                .withAudience(IngestContract.TOKEN_AUDIENCE)
                .withExpirationSeconds(TOKEN_EXPIRATION_SECONDS)
                .withPath(IngestContract.TOKEN_FILE)
                .endServiceAccountToken()
                .endSource()
                .addNewSource()
                .withNewSecret()
                .withName(settings.ingestTlsSecret())
                .addNewItem()
                .withKey("ca.crt")
                .withPath(IngestContract.CA_FILE)
                .endItem()
                .endSecret()
                .endSource()
                .endProjected()
                .build());
        mounts.add(new VolumeMountBuilder()
                .withName("ingest")
                .withMountPath(IngestContract.TOKEN_MOUNT_PATH)
                .withReadOnly(true)
                .build());
        // Each admin store's Secret, in this namespace: the agents never read a tenant's Secret.
        for (ObjectStoreDefinition store : objectStores.all()) {
            String volume = "store-" + store.name();
            volumes.add(new VolumeBuilder()
                    .withName(volume)
                    .withNewSecret()
                    .withSecretName(store.credentialsSecret())
                    .addNewItem()
                    .withKey(store.accessKeyIdKey())
                    .withPath(ObjectStoreContract.ACCESS_KEY_ID_FILE)
                    .endItem()
                    .addNewItem()
                    .withKey(store.secretAccessKeyKey())
                    .withPath(ObjectStoreContract.SECRET_ACCESS_KEY_FILE)
                    .endItem()
                    .endSecret()
                    .build());
            mounts.add(new VolumeMountBuilder()
                    .withName(volume)
                    .withMountPath(ObjectStoreContract.CREDENTIALS_ROOT + "/" + store.name())
                    .withReadOnly(true)
                    .build());
        }
        // The root filesystem is read-only; the JVM still needs a small /tmp.
        volumes.add(new VolumeBuilder()
                .withName("tmp")
                .withNewEmptyDir()
                .withSizeLimit(new Quantity(TMP_SIZE))
                .endEmptyDir()
                .build());
        mounts.add(
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());

        List<String> capabilities = new ArrayList<>(CAPABILITIES);
        if (settings.sysResource()) {
            capabilities.add(SYS_RESOURCE);
        }
        Map<String, String> labels = podLabels();
        DaemonSet daemonSet = new DaemonSetBuilder()
                .withNewMetadata()
                .withName(settings.name())
                .withNamespace(namespace)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withNewSelector()
                .withMatchLabels(labels)
                .endSelector()
                .withNewUpdateStrategy()
                .withType("RollingUpdate")
                .endUpdateStrategy()
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withNodeSelector(Map.of(IngestContract.NODE_LABEL_AGENT, IngestContract.NODE_LABEL_AGENT_VALUE))
                .withHostPID(true)
                .withServiceAccountName(settings.serviceAccount())
                .withAutomountServiceAccountToken(true)
                .withPriorityClassName(settings.priorityClassName().orElse(null))
                .withTolerations(tolerations())
                .withContainers(new ContainerBuilder()
                        .withName(CONTAINER)
                        .withImage(settings.image())
                        .withImagePullPolicy(settings.imagePullPolicy())
                        .withArgs("run")
                        .withEnv(env())
                        // Prometheus scrapes the agent here (a PodMonitor selects the port by name).
                        .withPorts(new ContainerPortBuilder()
                                .withName(AgentContract.METRICS_PORT_NAME)
                                .withContainerPort(AgentContract.METRICS_PORT)
                                .withProtocol("TCP")
                                .build())
                        .withSecurityContext(new SecurityContextBuilder()
                                .withAllowPrivilegeEscalation(false)
                                .withReadOnlyRootFilesystem(true)
                                .withRunAsUser(0L)
                                .withNewCapabilities()
                                .withDrop("ALL")
                                .withAdd(capabilities)
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
                .endTemplate()
                .endSpec()
                .build();
        daemonSet.getMetadata().setAnnotations(Map.of(ANNOTATION_SPEC_HASH, hash(daemonSet)));
        return daemonSet;
    }

    private List<EnvVar> env() {
        List<EnvVar> env = new ArrayList<>(List.of(
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
                        .build(),
                new EnvVarBuilder()
                        .withName(IngestContract.ENV_INGEST_URL)
                        .withValue(ingestUrl())
                        .build(),
                new EnvVarBuilder()
                        .withName(IngestContract.ENV_NODE_WIDE_NAMESPACES)
                        .withValue(String.join(",", nodeWideNamespaces))
                        .build(),
                new EnvVarBuilder()
                        .withName(IngestContract.ENV_MAX_FREQUENCY_HZ)
                        .withValue(Integer.toString(settings.maxFrequencyHz()))
                        .build()));
        if (!objectStores.all().isEmpty()) {
            env.add(new EnvVarBuilder()
                    .withName(ObjectStoreContract.ENV_OBJECT_STORES)
                    .withValue(objectStores.toJson())
                    .build());
            env.add(new EnvVarBuilder()
                    .withName(ObjectStoreContract.ENV_UPLOAD_JITTER)
                    .withValue(uploadJitter.toMillis() + "ms")
                    .build());
        }
        return env;
    }

    private List<Toleration> tolerations() {
        try {
            return JSON.readValue(settings.tolerationsJson(), new TypeReference<List<Toleration>>() {});
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(
                    "operator.agent.tolerations-json is not a JSON array of tolerations: " + e.getMessage(), e);
        }
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
    private static String hash(DaemonSet daemonSet) {
        CRC32 crc = new CRC32();
        crc.update(daemonSet.getSpec().toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}

package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.store.ObjectStoreContract;
import dev.ebpf.profiling.api.store.ObjectStoreDefinitions;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator's settings, from the Helm values (environment variables OPERATOR_...). */
@ConfigMapping(prefix = "operator")
public interface OperatorConfig {

    /**
     * The namespace the operator runs in (the chart passes its pod's namespace): the agent
     * DaemonSet, its ServiceAccount and the ingest endpoint live there, and nowhere else. Unset
     * (tests, running outside a cluster): the client's namespace.
     */
    Optional<String> namespace();

    /** {@link #namespace()}, or else the client's namespace, or else {@code default}. */
    default String namespaceOr(KubernetesClient client) {
        return namespace()
                .filter(ns -> !ns.isBlank())
                .orElseGet(() -> Optional.ofNullable(client.getNamespace()).orElse("default"));
    }

    /** Namespaces where node-wide jobs (no selector: every process on the node) are allowed. */
    Optional<List<String>> nodeWideNamespaces();

    /**
     * How long after a slice's end the operator waits for the missing nodes before it merges the
     * slice from the nodes that did report (and says so in the Degraded condition). Also how long
     * a target node may go without a running agent before the job says so (AgentsReady).
     */
    @WithDefault("60s")
    Duration sliceGrace();

    /** {@link #resultBudget()} when unset: 256 MiB. */
    long DEFAULT_RESULT_BUDGET_BYTES = 256L * 1024 * 1024;

    /**
     * The most bytes all result ConfigMaps of the cluster may hold in etcd together (a Kubernetes
     * quantity such as 256Mi). Past it the oldest slices of the largest jobs are deleted first,
     * with a Warning Event on the job; below it, each job's retention applies.
     */
    @WithDefault("256Mi")
    String resultBudget();

    /** {@link #resultBudget()} in bytes. */
    default long resultBudgetBytes() {
        return Quantity.getAmountInBytes(new Quantity(resultBudget())).longValueExact();
    }

    AgentSettings agent();

    /**
     * The admin's object stores (Helm values {@code objectStores}) as the chart renders them: a JSON
     * array of {@link dev.ebpf.profiling.api.store.ObjectStoreDefinition}, no secrets. A job names
     * one in {@code spec.output.objectStore.name}.
     */
    @WithDefault("[]")
    String objectStores();

    /** Where each store's credentials Secret is mounted, one directory per store name. */
    @WithDefault(ObjectStoreContract.CREDENTIALS_ROOT)
    String objectStoreCredentials();

    /** The agents' longest random delay after a slice's end before they upload it. */
    @WithDefault("30s")
    Duration uploadJitter();

    /** {@link #objectStores()} parsed. @throws IllegalArgumentException with one line when the JSON is bad */
    default ObjectStoreDefinitions objectStoreDefinitions() {
        return ObjectStoreDefinitions.parse(objectStores());
    }

    /** The one agent DaemonSet the operator keeps in its own namespace. */
    interface AgentSettings {

        /** The DaemonSet's name (the chart: {@code <fullname>-agent}). */
        @WithDefault("ebpf-profiler-agent")
        String name();

        @WithDefault("ghcr.io/ebpf-profiler/node-agent:0.1.0")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** The agents' ServiceAccount in the operator's namespace, created by the chart with its ClusterRole. */
        @WithDefault("ebpf-profiler-agent")
        String serviceAccount();

        @WithDefault("100m")
        String cpuRequest();

        @WithDefault("500m")
        String cpuLimit();

        @WithDefault("256Mi")
        String memoryRequest();

        @WithDefault("512Mi")
        String memoryLimit();

        /** The agents' PriorityClass; none by default. */
        Optional<String> priorityClassName();

        /**
         * Tolerations of the agent pods, as the chart renders them (a JSON array). Default: tolerate
         * every taint, as the agent must run wherever a job's pods run.
         */
        @WithDefault("[{\"operator\":\"Exists\"}]")
        String tolerationsJson();

        /** The highest on-CPU sampling rate an agent uses, whatever its jobs ask. */
        @WithDefault("999")
        int maxFrequencyHz();

        /**
         * Adds CAP_SYS_RESOURCE: only kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK, and
         * some hosts refuse a pod that asks for it.
         */
        @WithDefault("false")
        boolean sysResource();

        /** The operator's ingest Service the agents push to, in the operator's namespace. */
        @WithDefault("ebpf-profiler-ingest")
        String ingestService();

        @WithDefault("8443")
        int ingestPort();

        /** The Secret (chart-generated) whose {@code ca.crt} the agents trust for the ingest endpoint. */
        @WithDefault("ebpf-profiler-ingest-tls")
        String ingestTlsSecret();
    }
}

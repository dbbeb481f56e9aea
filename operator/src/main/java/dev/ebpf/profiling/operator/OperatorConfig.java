package dev.ebpf.profiling.operator;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator's settings, from the Helm values (environment variables OPERATOR_...). */
@ConfigMapping(prefix = "operator")
public interface OperatorConfig {

    /** Namespaces where node-wide jobs (no selector: every process on the node) are allowed. */
    Optional<List<String>> nodeWideNamespaces();

    /**
     * How long after a slice's end the operator waits for the missing nodes before it merges the
     * slice from the nodes that did report (and says so in the Degraded condition).
     */
    @WithDefault("60s")
    Duration sliceGrace();

    AgentSettings agent();

    /** The node agent pods the operator creates. */
    interface AgentSettings {

        @WithDefault("ghcr.io/ebpf-profiler/node-agent:0.1.0")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** The ServiceAccount the agents run as, created by the operator in each job's namespace. */
        @WithDefault("ebpf-profiler-agent")
        String serviceAccount();

        /** The ClusterRole (from the chart) bound to that ServiceAccount in the job's namespace only. */
        @WithDefault("ebpf-profiler-agent")
        String clusterRole();

        @WithDefault("100m")
        String cpuRequest();

        @WithDefault("500m")
        String cpuLimit();

        @WithDefault("256Mi")
        String memoryRequest();

        @WithDefault("512Mi")
        String memoryLimit();
    }
}

package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cluster.ClusterRun;
import dev.ebpf.profiling.agent.cluster.SliceUploads;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.metrics.MetricsEndpoint;
import dev.ebpf.profiling.agent.metrics.MetricsEndpointException;
import dev.ebpf.profiling.api.job.AgentContract;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code node-agent run [--config FILE] [--node NAME]}: the agent's cluster mode, as the operator
 * starts it on each target node (config and node name come from the pod by default).
 */
final class RunCommand {

    static final String USAGE = "usage: node-agent run [--config " + defaultConfig() + "] [--node $"
            + AgentContract.ENV_NODE_NAME + "] [--metrics-port $" + AgentContract.ENV_METRICS_PORT + " (0 = off)]"
            + " [--spool-dir " + AgentContract.SPOOL_MOUNT_PATH + "] [--credentials-dir "
            + AgentContract.CREDENTIALS_MOUNT_PATH + "]";

    private RunCommand() {}

    static int run(List<String> args, PrintStream out) {
        Path config = defaultConfig();
        String node = System.getenv(AgentContract.ENV_NODE_NAME);
        String metricsPort = System.getenv().getOrDefault(AgentContract.ENV_METRICS_PORT, "0");
        SliceUploads.Settings uploads = SliceUploads.Settings.DEFAULT;
        for (OptionTokens.Option option : OptionTokens.split(args, Set.of())) {
            switch (option.name()) {
                // Outside a pod (or in tests) the spool and the key pair files live elsewhere.
                case "--spool-dir" ->
                    uploads = new SliceUploads.Settings(
                            Path.of(option.value()), uploads.bounds(), uploads.credentials(), uploads.drainInterval());
                case "--credentials-dir" ->
                    uploads = new SliceUploads.Settings(
                            uploads.spoolRoot(), uploads.bounds(), Path.of(option.value()), uploads.drainInterval());
                case "--config" -> config = Path.of(option.value());
                case "--node" -> node = option.value();
                case "--metrics-port" -> metricsPort = option.value();
                default -> throw new UsageException("unknown option '" + option.name() + "'");
            }
        }
        if (node == null || node.isBlank()) {
            throw new UsageException("the node's name is unknown: set " + AgentContract.ENV_NODE_NAME + " or --node");
        }
        int port = port(metricsPort);
        Privileges.requireBpfPrivileges(Privileges.SELF_STATUS);
        AgentMetrics metrics = new AgentMetrics(node);
        // The endpoint's HTTP thread is not a daemon: it must be closed for the agent to exit.
        try (MetricsEndpoint endpoint = MetricsEndpoint.serve(port, metrics).orElse(null);
                KubernetesClient client = new KubernetesClientBuilder().build()) {
            new ClusterRun(client, node, config, CgroupMount.findUnified(), out, metrics, uploads).run();
        } catch (MetricsEndpointException e) {
            throw new BpfException(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return Main.EXIT_OK;
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text.strip());
            if (port < 0 || port > 65_535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new UsageException("--metrics-port must be a port from 0 (off) to 65535, not '" + text + "'");
        }
    }

    private static Path defaultConfig() {
        return Path.of(AgentContract.JOB_CONFIG_MOUNT_PATH, AgentContract.JOB_CONFIG_KEY);
    }
}

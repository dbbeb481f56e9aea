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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code node-agent run}: the agent's cluster mode, as the operator starts it on each target node
 * (config and node name come from the pod by default).
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        versionProvider = AgentVersion.class,
        showDefaultValues = true,
        description = {
            "Runs as the cluster's node agent: profiles this node for the ProfilingJobs the operator accepted"
                    + " and reports each slice. The operator's Helm chart starts it; run it by hand only to debug.",
            "Needs root (or CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE and CAP_SYSLOG)."
        })
final class RunCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "The job config the operator mounts.")
    Path config = Path.of(AgentContract.JOB_CONFIG_MOUNT_PATH, AgentContract.JOB_CONFIG_KEY);

    @Option(
            names = "--node",
            paramLabel = "NAME",
            description = "This node's name (default: $" + AgentContract.ENV_NODE_NAME + ").")
    String node = System.getenv(AgentContract.ENV_NODE_NAME);

    @Option(
            names = "--metrics-port",
            paramLabel = "PORT",
            description = "Port of the Prometheus /metrics endpoint, 0 for none (default: $"
                    + AgentContract.ENV_METRICS_PORT + ", else 0).")
    String metricsPort = System.getenv().getOrDefault(AgentContract.ENV_METRICS_PORT, "0");

    @Option(names = "--spool-dir", paramLabel = "DIR", description = "Where slices wait for the object store.")
    Path spoolDir = SliceUploads.Settings.DEFAULT.spoolRoot();

    @Option(
            names = "--credentials-dir",
            paramLabel = "DIR",
            description = "Where the object store's key pair files are mounted.")
    Path credentialsDir = SliceUploads.Settings.DEFAULT.credentials();

    private final PrintStream out;

    /** @param out where the agent logs, one line per slice */
    RunCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        if (node == null || node.isBlank()) {
            throw new UsageException("the node's name is unknown: set " + AgentContract.ENV_NODE_NAME + " or --node");
        }
        int port = port(metricsPort);
        SliceUploads.Settings defaults = SliceUploads.Settings.DEFAULT;
        SliceUploads.Settings uploads =
                new SliceUploads.Settings(spoolDir, defaults.bounds(), credentialsDir, defaults.drainInterval());
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
}

package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.bpf.BpfException;
import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cluster.ClusterRun;
import dev.ebpf.profiling.agent.cluster.InformerJobSource;
import dev.ebpf.profiling.agent.cluster.LoggingSliceSink;
import dev.ebpf.profiling.agent.cluster.NodePolicy;
import dev.ebpf.profiling.agent.metrics.AgentMetrics;
import dev.ebpf.profiling.agent.metrics.MetricsEndpoint;
import dev.ebpf.profiling.agent.metrics.MetricsEndpointException;
import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.api.job.AgentContract;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * {@code node-agent run [--node NAME] [--metrics-port N]}: the agent's cluster mode, as the
 * operator's agent DaemonSet starts it on each node. It serves every accepted ProfilingJob that
 * targets the node; its node name, node-wide namespaces and rate cap come from its environment.
 */
final class RunCommand {

    static final String USAGE = "usage: node-agent run [--node $" + AgentContract.ENV_NODE_NAME + "] [--metrics-port $"
            + AgentContract.ENV_METRICS_PORT + " (0 = off)]   (environment: " + IngestContract.ENV_NODE_WIDE_NAMESPACES
            + ", " + IngestContract.ENV_MAX_FREQUENCY_HZ + ")";

    private RunCommand() {}

    static int run(List<String> args, PrintStream out) {
        String node = System.getenv(AgentContract.ENV_NODE_NAME);
        String metricsPort = System.getenv().getOrDefault(AgentContract.ENV_METRICS_PORT, "0");
        for (OptionTokens.Option option : OptionTokens.split(args, Set.of())) {
            switch (option.name()) {
                case "--node" -> node = option.value();
                case "--metrics-port" -> metricsPort = option.value();
                default -> throw new UsageException("unknown option '" + option.name() + "'");
            }
        }
        if (node == null || node.isBlank()) {
            throw new UsageException("the node's name is unknown: set " + AgentContract.ENV_NODE_NAME + " or --node");
        }
        int port = port(metricsPort);
        NodePolicy policy;
        try {
            policy = NodePolicy.fromEnvironment(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Privileges.requireBpfPrivileges(Privileges.SELF_STATUS);
        AgentMetrics metrics = new AgentMetrics(node);
        LoggingSliceSink sink = new LoggingSliceSink(node, out);
        out.printf(
                "node-agent run on %s: node-wide namespaces %s, at most %d Hz%n",
                node, policy.nodeWideNamespaces(), policy.maxFrequencyHz());
        // The endpoint's HTTP thread is not a daemon: it must be closed for the agent to exit.
        try (MetricsEndpoint endpoint = MetricsEndpoint.serve(port, metrics).orElse(null);
                KubernetesClient client = new KubernetesClientBuilder().build();
                InformerJobSource source = InformerJobSource.start(client, node);
                ClusterRun run =
                        new ClusterRun(node, source, policy, CgroupMount.findUnified(), sink, sink, metrics, out)) {
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                run.stop();
                try {
                    main.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            run.run();
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

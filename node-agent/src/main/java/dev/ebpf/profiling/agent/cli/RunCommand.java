package dev.ebpf.profiling.agent.cli;

import dev.ebpf.profiling.agent.cgroup.CgroupMount;
import dev.ebpf.profiling.agent.cluster.ClusterRun;
import dev.ebpf.profiling.api.job.AgentContract;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code node-agent run [--config FILE] [--node NAME]}: the agent's cluster mode, as the operator
 * starts it on each target node (config and node name come from the pod by default).
 */
final class RunCommand {

    static final String USAGE = "usage: node-agent run [--config " + defaultConfig() + "] [--node $"
            + AgentContract.ENV_NODE_NAME + "]";

    private RunCommand() {
    }

    static int run(List<String> args, PrintStream out) {
        Path config = defaultConfig();
        String node = System.getenv(AgentContract.ENV_NODE_NAME);
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (i + 1 >= args.size()) {
                throw new UsageException(option + " needs a value");
            }
            switch (option) {
                case "--config" -> config = Path.of(args.get(i + 1));
                case "--node" -> node = args.get(i + 1);
                default -> throw new UsageException("unknown option '" + option + "'");
            }
        }
        if (node == null || node.isBlank()) {
            throw new UsageException("the node's name is unknown: set " + AgentContract.ENV_NODE_NAME + " or --node");
        }
        Privileges.requireBpfPrivileges(Privileges.SELF_STATUS);
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            new ClusterRun(client, node, config, CgroupMount.findUnified(), out).run();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return Main.EXIT_OK;
    }

    private static Path defaultConfig() {
        return Path.of(AgentContract.JOB_CONFIG_MOUNT_PATH, AgentContract.JOB_CONFIG_KEY);
    }
}

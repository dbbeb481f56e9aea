package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real {@code node-agent run} process, pointed at the test's (mock) API server as a pod would be at its own. */
final class AgentProcess {

    static final Path AGENT_JAR = Path.of("..", "node-agent", "target", "node-agent.jar");

    private AgentProcess() {}

    /** Starts the agent for {@code node} with the config file, output to {@code log}; {@code extraArgs} follow. */
    static Process start(
            KubernetesClient client, String namespace, String node, Path configFile, Path log, String... extraArgs)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                AGENT_JAR.toString(),
                "run",
                "--config",
                configFile.toString(),
                "--node",
                node));
        command.addAll(List.of(extraArgs));
        // Started from a JVM that is pinned to CPUs, the agent inherits them.
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The agent finds the API server as in a pod, but through these settings instead.
        Map<String, String> env = builder.environment();
        env.put("KUBERNETES_MASTER", client.getMasterUrl().toString());
        env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.put("KUBERNETES_NAMESPACE", namespace);
        return builder.start();
    }
}

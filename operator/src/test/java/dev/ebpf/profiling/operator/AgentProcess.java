package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A real {@code node-agent run} process, pointed at the test's (mock) API server as a pod would be at its own. */
final class AgentProcess {

    static final Path AGENT_JAR = Path.of("..", "node-agent", "target", "node-agent.jar");

    private AgentProcess() {}

    /**
     * Starts the agent for {@code node}, reporting to {@code ingest} with the token in
     * {@code credentials}, output to {@code log}. The mock API server has no spec.nodeName field
     * selector, so the agent watches every pod and keeps its node's itself.
     */
    static Process start(KubernetesClient client, String node, URI ingest, Path credentials, Path log)
            throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                AGENT_JAR.toString(),
                "run",
                "--node",
                node,
                "--ingest-url",
                ingest.toString(),
                "--credentials-dir",
                credentials.toString(),
                "--no-pod-field-selector"));
        // Started from a JVM that is pinned to CPUs, the agent inherits them.
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        // The agent finds the API server as in a pod, but through these settings instead.
        Map<String, String> env = builder.environment();
        env.put("KUBERNETES_MASTER", client.getMasterUrl().toString());
        env.put("KUBERNETES_TRUST_CERTIFICATES", "true");
        env.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
        env.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
        env.remove("NODE_WIDE_NAMESPACES");
        return builder.start();
    }
}

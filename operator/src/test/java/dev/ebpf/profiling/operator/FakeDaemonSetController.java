package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.operator.agents.AgentDaemonSet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the DaemonSet controller and the kubelet do and the mock API server does not: every 200 ms,
 * a running agent pod on each node that carries the agent label (when the agent DaemonSet exists),
 * and none on the others. It only creates and deletes pods; a test may change a pod's status (a
 * crash loop) and the fake leaves it so.
 */
final class FakeDaemonSetController {

    /** By API server URL: test classes may get different client instances for the same server. */
    private static final Set<String> RUNNING = ConcurrentHashMap.newKeySet();

    private FakeDaemonSetController() {}

    /** Starts one fake per API server (client), for the rest of the JVM. */
    static void ensureRunning(KubernetesClient client) {
        if (!RUNNING.add(client.getMasterUrl().toString())) {
            return;
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "fake-daemonset-controller");
            thread.setDaemon(true);
            return thread;
        });
        var _ = executor.scheduleWithFixedDelay(() -> step(client), 0, 200, TimeUnit.MILLISECONDS);
    }

    static void step(KubernetesClient client) {
        try {
            for (DaemonSet daemonSet : Agents.daemonSets(client)) {
                String namespace = daemonSet.getMetadata().getNamespace();
                Set<String> labelled = new HashSet<>(Agents.labelledNodes(client));
                for (Pod pod : Agents.of(client, namespace)) {
                    if (!labelled.remove(pod.getSpec().getNodeName())) {
                        client.resource(pod).delete();
                    }
                }
                for (String node : labelled) {
                    client.resource(runningPod(
                                    namespace, daemonSet.getMetadata().getName(), node))
                            .create();
                }
            }
        } catch (KubernetesClientException | IllegalStateException ignored) {
            // the server is going away, or a pod was created meanwhile: the next step fixes it
        }
    }

    static Pod runningPod(String namespace, String daemonSet, String node) {
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
                .withName(daemonSet + "-" + UUID.randomUUID().toString().substring(0, 5))
                .withLabels(AgentDaemonSet.podLabels())
                .withCreationTimestamp(Instant.now().toString())
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .withNodeSelector(
                        java.util.Map.of(IngestContract.NODE_LABEL_AGENT, IngestContract.NODE_LABEL_AGENT_VALUE))
                .addNewContainer()
                .withName(AgentDaemonSet.CONTAINER)
                .withImage("node-agent:test")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .addNewContainerStatus()
                .withName(AgentDaemonSet.CONTAINER)
                .withRestartCount(0)
                .withReady(true)
                .withNewState()
                .withNewRunning()
                .withStartedAt(Instant.now().toString())
                .endRunning()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build();
    }
}

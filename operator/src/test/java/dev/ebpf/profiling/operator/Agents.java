package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.ingest.IngestContract;
import dev.ebpf.profiling.operator.agents.AgentDaemonSet;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/** What the tests look at: the agent DaemonSet, its pods, the labelled nodes, and a job's Events. */
final class Agents {

    private Agents() {}

    /** The agent pods in a namespace (the operator's; a job's namespace must have none). */
    static List<Pod> of(KubernetesClient client, String namespace) {
        return client.pods()
                .inNamespace(namespace)
                .withLabels(AgentDaemonSet.podLabels())
                .list()
                .getItems();
    }

    static List<DaemonSet> daemonSets(KubernetesClient client) {
        return client.apps().daemonSets().inAnyNamespace().list().getItems();
    }

    /** The nodes that carry the agent label, by name. */
    static List<String> labelledNodes(KubernetesClient client) {
        return client
                .nodes()
                .withLabel(IngestContract.NODE_LABEL_AGENT, IngestContract.NODE_LABEL_AGENT_VALUE)
                .list()
                .getItems()
                .stream()
                .map(Node::getMetadata)
                .map(m -> m.getName())
                .sorted()
                .toList();
    }

    /** Events of a job as "Type Reason: message", oldest first. */
    static List<String> events(KubernetesClient client, String namespace, String job) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> job.equals(e.getInvolvedObject().getName()))
                .sorted(java.util.Comparator.comparing(e -> e.getMetadata().getCreationTimestamp() == null
                        ? ""
                        : e.getMetadata().getCreationTimestamp()))
                .map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage())
                .toList();
    }

    /**
     * Waits until the job's Events satisfy the assertion: the operator records an Event only after
     * its status write succeeded, so it can land a moment after the status a test waited for.
     */
    static void awaitEvents(
            KubernetesClient client,
            String namespace,
            String job,
            java.util.function.Consumer<List<String>> assertion) {
        org.awaitility.Awaitility.await()
                .atMost(Cluster.WAIT)
                .untilAsserted(() -> assertion.accept(events(client, namespace, job)));
    }
}

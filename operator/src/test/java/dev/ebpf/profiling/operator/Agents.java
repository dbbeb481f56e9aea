package dev.ebpf.profiling.operator;

import dev.ebpf.profiling.api.job.AgentContract;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/** What the tests look at: agent pods and a job's Events. */
final class Agents {

    private Agents() {}

    static List<Pod> of(KubernetesClient client, String namespace) {
        return client.pods()
                .inNamespace(namespace)
                .withLabel(AgentContract.LABEL_COMPONENT, AgentContract.COMPONENT_AGENT)
                .list()
                .getItems();
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

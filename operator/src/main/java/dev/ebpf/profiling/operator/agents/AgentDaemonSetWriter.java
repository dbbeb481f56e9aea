package dev.ebpf.profiling.operator.agents;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Keeps the one agent DaemonSet as {@link AgentDaemonSet} describes it: created when absent,
 * rewritten when the operator's settings changed (its spec hash differs), left alone otherwise.
 * Written by hand rather than as a JOSDK dependent resource: the DaemonSet belongs to no single job
 * (an owner reference from the operator's namespace to a tenant's job is not allowed), while a
 * dependent resource is reconciled, and garbage collected, per primary.
 */
public final class AgentDaemonSetWriter {

    private final KubernetesClient client;
    private final AgentDaemonSet daemonSet;

    public AgentDaemonSetWriter(KubernetesClient client, AgentDaemonSet daemonSet) {
        this.client = client;
        this.daemonSet = daemonSet;
    }

    public AgentDaemonSet daemonSet() {
        return daemonSet;
    }

    /**
     * Creates or rewrites the DaemonSet unless {@code cached} (the informer's copy, null when there is
     * no informer or it holds none) is already current.
     *
     * @throws KubernetesClientException when the API server refuses (RBAC, quota, admission...)
     */
    public void ensure(DaemonSet cached) {
        DaemonSet desired = daemonSet.desired();
        if (cached != null && Objects.equals(hash(cached), hash(desired))) {
            return;
        }
        var resource =
                client.apps().daemonSets().inNamespace(daemonSet.namespace()).withName(daemonSet.name());
        DaemonSet found = resource.get();
        if (found == null) {
            try {
                client.resource(desired).create();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                // created meanwhile (an older operator still stopping): compared on the next reconcile
            }
            return;
        }
        if (Objects.equals(hash(found), hash(desired))) {
            return;
        }
        Map<String, String> annotations = found.getMetadata().getAnnotations() == null
                ? new HashMap<>()
                : new HashMap<>(found.getMetadata().getAnnotations());
        annotations.putAll(desired.getMetadata().getAnnotations());
        found.getMetadata().setAnnotations(annotations);
        found.getMetadata().setLabels(desired.getMetadata().getLabels());
        found.setSpec(desired.getSpec());
        found.setStatus(null);
        client.resource(found).update(); // at found's resourceVersion: a concurrent change fails and is retried
    }

    private static String hash(DaemonSet daemonSet) {
        return daemonSet.getMetadata().getAnnotations() == null
                ? null
                : daemonSet.getMetadata().getAnnotations().get(AgentDaemonSet.ANNOTATION_SPEC_HASH);
    }
}

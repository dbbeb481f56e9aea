package dev.ebpf.profiling.operator.informers;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.Map;

/** The slim copies {@link SlimItemStore}s keep: what the operator reads of each kind, nothing else. */
public final class Slim {

    private Slim() {}

    /** A workload pod: name, labels and owner (selectors, the web view), its node and phase. */
    public static Pod pod(Pod pod) {
        return new PodBuilder()
                .withApiVersion(pod.getApiVersion())
                .withKind(pod.getKind())
                .withMetadata(meta(pod.getMetadata(), false))
                .withNewSpec()
                .withNodeName(pod.getSpec() == null ? null : pod.getSpec().getNodeName())
                .endSpec()
                .withNewStatus()
                .withPhase(pod.getStatus() == null ? null : pod.getStatus().getPhase())
                .endStatus()
                .build();
    }

    /** A node: name, labels and annotations (the agent label and its since), and its CPU count. */
    public static Node node(Node node) {
        Quantity cpus = node.getStatus() == null || node.getStatus().getCapacity() == null
                ? null
                : node.getStatus().getCapacity().get("cpu");
        return new NodeBuilder()
                .withApiVersion(node.getApiVersion())
                .withKind(node.getKind())
                .withMetadata(meta(node.getMetadata(), true))
                .withNewStatus()
                .withCapacity(cpus == null ? Map.of() : Map.of("cpu", cpus))
                .endStatus()
                .build();
    }

    /** A result ConfigMap: its metadata only (the size annotation), never its data. */
    public static ConfigMap configMap(ConfigMap configMap) {
        return new ConfigMapBuilder()
                .withApiVersion(configMap.getApiVersion())
                .withKind(configMap.getKind())
                .withMetadata(meta(configMap.getMetadata(), true))
                .build();
    }

    private static ObjectMeta meta(ObjectMeta meta, boolean annotations) {
        return new ObjectMetaBuilder()
                .withName(meta.getName())
                .withNamespace(meta.getNamespace())
                .withUid(meta.getUid())
                .withResourceVersion(meta.getResourceVersion())
                .withGeneration(meta.getGeneration())
                .withCreationTimestamp(meta.getCreationTimestamp())
                .withDeletionTimestamp(meta.getDeletionTimestamp())
                .withLabels(meta.getLabels())
                // Never null: JOSDK reads its own annotation on every informer event.
                .withAnnotations(annotations && meta.getAnnotations() != null ? meta.getAnnotations() : Map.of())
                .withOwnerReferences(meta.getOwnerReferences())
                .build();
    }
}

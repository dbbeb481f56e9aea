package dev.ebpf.profiling.operator.informers;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every informer of the operator is bounded (namespaces, selectors, or slim copies), and those
 * that watch kinds of which the cluster has thousands (Pods of the jobs' namespaces, Nodes) cache
 * slim copies: nothing caches every Pod, Node or ConfigMap with its data.
 */
class InformersTest {

    @Test
    void everyInformerIsBounded() {
        assertThat(Informers.all("profiling-system"))
                .extracting(InformerEventSourceConfiguration::name)
                .containsExactlyInAnyOrder(
                        Informers.AGENT_PODS, Informers.AGENT_DAEMON_SET, Informers.WORKLOAD_PODS, Informers.NODES);
        assertThat(Informers.all("profiling-system"))
                .allSatisfy(informer -> assertThat(Informers.bounded(informer))
                        .as(informer.name())
                        .isTrue());
    }

    @Test
    void workloadPodsAreWatchedInNamedNamespacesAndKeptSlim() {
        var workloads = Informers.workloadPods("profiling-system", pod -> java.util.Set.of())
                .getInformerConfig();
        assertThat(workloads.watchAllNamespaces()).isFalse();
        assertThat(workloads.getNamespaces()).containsExactly("profiling-system");
        assertThat(workloads.getItemStore()).isInstanceOf(SlimItemStore.class);
        var nodes = Informers.nodes(node -> java.util.Set.of()).getInformerConfig();
        assertThat(nodes.getItemStore()).isInstanceOf(SlimItemStore.class);
        // Agents and their DaemonSet: one namespace and a label selector.
        var agents = Informers.agentPods("profiling-system", pod -> java.util.Set.of())
                .getInformerConfig();
        assertThat(agents.getNamespaces()).containsExactly("profiling-system");
        assertThat(agents.getLabelSelector()).isNotBlank();
    }

    @Test
    void theSlimStoreKeepsWhatTheOperatorReadsOnly() {
        SlimItemStore<Pod> pods = new SlimItemStore<>(Slim::pod);
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withNamespace("web")
                .withName("web-1")
                .withLabels(Map.of("app", "web"))
                .addToAnnotations("kubectl.kubernetes.io/last-applied-configuration", "x".repeat(10_000))
                .endMetadata()
                .withNewSpec()
                .withNodeName("node-1")
                .addNewContainer()
                .withName("main")
                .withImage("nginx")
                .addToArgs("x".repeat(10_000))
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .endStatus()
                .build();
        pods.put(pods.getKey(pod), pod);
        Pod kept = pods.get("web/web-1");
        assertThat(kept.getMetadata().getLabels()).containsEntry("app", "web");
        assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(kept.getSpec().getNodeName()).isEqualTo("node-1");
        assertThat(kept.getSpec().getContainers()).isEmpty();
        assertThat(kept.getStatus().getPhase()).isEqualTo("Running");

        Node node = new NodeBuilder()
                .withNewMetadata()
                .withName("node-1")
                .endMetadata()
                .withNewStatus()
                .addToCapacity("cpu", new Quantity("8"))
                .addToCapacity("memory", new Quantity("64Gi"))
                .addNewImage()
                .withNames("x".repeat(10_000))
                .endImage()
                .endStatus()
                .build();
        Node slim = Slim.node(node);
        assertThat(slim.getStatus().getCapacity()).containsOnlyKeys("cpu");
        assertThat(slim.getStatus().getImages()).isEmpty();
    }
}

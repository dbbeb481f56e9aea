package dev.ebpf.profiling.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;

/**
 * Tests against the running operator on the Fabric8 mock API server (CRUD mode), in a cluster of
 * three 2-CPU nodes, with a fake DaemonSet controller that runs an agent pod on every labelled
 * node. Each test works in a namespace of its own.
 */
@WithKubernetesTestServer(crud = true)
abstract class ThreeNodeClusterTest {

    @Inject
    KubernetesClient client;

    Cluster cluster;

    @BeforeEach
    void nodes() {
        cluster = new Cluster(client);
        cluster.node("node-1", 2);
        cluster.node("node-2", 2);
        cluster.node("node-3", 2);
        FakeDaemonSetController.ensureRunning(client);
    }
}

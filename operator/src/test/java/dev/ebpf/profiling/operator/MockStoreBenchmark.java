package dev.ebpf.profiling.operator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What the mock API server's store costs the cluster simulator, stock and indexed side by side in
 * one run (for docs/benchmarks.md): the time to register N Nodes and a pod per node in each of 3
 * namespaces (16 at a time, as the simulator registers), then the time of 500 GETs of one Node by
 * name and of 500 status writes of a pod. Skipped unless {@code
 * -Dbench.mockStore=1000,2000,5000} (the node counts):
 * {@code mvn -B -ntp -o -pl operator -am test -Dtest=MockStoreBenchmark -Dbench.mockStore=1000,2000,5000
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
class MockStoreBenchmark {

    /** Requests in flight while registering, as the simulator's set-up has by default. */
    private static final int REQUESTS_AT_ONCE = 16;

    @Test
    void registerNodes() throws Exception {
        String sizes = System.getProperty("bench.mockStore", "");
        assumeTrue(!sizes.isEmpty(), "a benchmark: run with -Dbench.mockStore=1000,2000,5000");
        // The JIT first: otherwise the first size measures the warm-up of the client and the server.
        measure("warm-up (not a figure), stock", 300, IndexedCrudDispatcherTest::stockServer);
        measure("warm-up (not a figure), indexed", 300, IndexedMockServer::startServer);
        for (String size : sizes.split(",")) {
            int nodes = Integer.parseInt(size.strip());
            measure("indexed", nodes, IndexedMockServer::startServer);
            measure("stock", nodes, IndexedCrudDispatcherTest::stockServer);
        }
    }

    private static void measure(String store, int nodes, Supplier<KubernetesMockServer> start) throws Exception {
        KubernetesMockServer server = start.get();
        try (KubernetesClient client = server.createClient()) {
            long begin = System.nanoTime();
            List<Integer> nodeIndexes = IntStream.range(0, nodes).boxed().toList();
            BoundedParallel.forEach(
                    nodeIndexes,
                    REQUESTS_AT_ONCE,
                    n -> client.nodes()
                            .resource(new NodeBuilder()
                                    .withNewMetadata()
                                    .withName(String.format("node-%05d", n))
                                    .endMetadata()
                                    .build())
                            .create());
            double nodeSeconds = (System.nanoTime() - begin) / 1e9;
            begin = System.nanoTime();
            // A pod per node in each of three namespaces (three jobs' selected pods).
            List<Integer> podIndexes = IntStream.range(0, 3 * nodes).boxed().toList();
            BoundedParallel.forEach(
                    podIndexes,
                    REQUESTS_AT_ONCE,
                    i -> client.pods()
                            .inNamespace("bench-" + i / nodes)
                            .resource(new PodBuilder()
                                    .withNewMetadata()
                                    .withName(String.format("app-%05d", i % nodes))
                                    .addToLabels("app", "sim")
                                    .endMetadata()
                                    .build())
                            .create());
            double podSeconds = (System.nanoTime() - begin) / 1e9;
            begin = System.nanoTime();
            for (int i = 0; i < 500; i++) {
                client.nodes().withName(String.format("node-%05d", i % nodes)).get();
            }
            double getMillis = (System.nanoTime() - begin) / 1e6 / 500;
            begin = System.nanoTime();
            for (int i = 0; i < 500; i++) {
                Pod pod = client.pods()
                        .inNamespace("bench-0")
                        .withName(String.format("app-%05d", i % nodes))
                        .get();
                pod.setStatus(new PodStatusBuilder().withPhase("Running").build());
                client.resource(pod).updateStatus();
            }
            double statusMillis = (System.nanoTime() - begin) / 1e6 / 500;
            System.out.printf(
                    "[mock-store] %s store: %d Nodes registered in %.1f s, then %d pods in %.1f s; a GET by name"
                            + " %.2f ms, a GET and a status PUT %.2f ms%n",
                    store, nodes, nodeSeconds, 3 * nodes, podSeconds, getMillis, statusMillis);
        } finally {
            server.destroy();
        }
    }
}

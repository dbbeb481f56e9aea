package dev.ebpf.profiling.operator;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The cluster simulator behind {@code scripts/simulate-cluster.sh} without {@code KUBECONFIG}: the
 * real operator (this Quarkus application: reconciler, ingest HTTP endpoint, informers) on the
 * Fabric8 mock API server (CRUD mode, on the {@link IndexedCrudDispatcher}: the stock store tests
 * every stored object at every request, so each request would pay for the simulated cluster's
 * size), driven by {@link ClusterSimulator}. Tokens are reviewed by
 * {@code FakeTokenReviewer} (the mock server cannot run a TokenReview), and the JSON line says so
 * ({@code "tokens":"fake reviewer: ..."}). Skipped unless
 * {@code -Dsimulate.nodes} is set and {@code simulate.kubeconfig} is not.
 *
 * <p>API requests are counted at the server: every request the mock server receives is taken from
 * its request log; the simulator's own requests (setup, its watch of the jobs) carry the header
 * {@value ClusterSimulator#SIMULATOR_HEADER} and are left out, so what is counted is the operator's.
 *
 * <p>Ends with one JSON line per size (also in {@code target/cluster-simulation.json}) and writes the
 * largest status seen, as {@code kubectl describe} shows it, to {@code target/cluster-simulation-status.txt}.
 */
@QuarkusTest
@TestProfile(ClusterSimulation.OnIndexedMockServer.class)
class ClusterSimulation {

    @Inject
    KubernetesClient operatorClient;

    @KubernetesTestServer
    KubernetesMockServer server;

    @TestHTTPResource("/")
    URL base;

    private final Map<String, Long> counts = new ConcurrentHashMap<>();
    private final AtomicBoolean measuring = new AtomicBoolean();

    @Test
    void simulate() throws Exception {
        assumeTrue(System.getProperty("simulate.nodes") != null, "run through scripts/simulate-cluster.sh");
        assumeTrue(
                System.getProperty("simulate.kubeconfig", "").isEmpty(),
                "with KUBECONFIG, ClusterSimulationOnKubeconfig runs the simulation");
        int jobs = Integer.getInteger("simulate.jobs", 3);
        int slices = Integer.getInteger("simulate.slices", 3);
        int sliceSeconds = Integer.getInteger("simulate.sliceSeconds", 20);
        Thread drain = Thread.ofPlatform().daemon().name("request-log").start(this::drainRequestLog);
        KubernetesClient sim = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withCustomHeaders(Map.of(ClusterSimulator.SIMULATOR_HEADER, "1"))
                        .build())
                .build();
        ClusterSimulator simulator = new ClusterSimulator(
                sim,
                base.toURI(),
                new MockRequestLog(),
                AgentTokens.fake("the Fabric8 mock server issues and reviews no tokens"));
        // Several sizes run one after the other in one operator (--nodes 100,1000): each on nodes
        // and namespaces of its own, its jobs deleted before the next size starts.
        Files.writeString(Path.of("target/cluster-simulation.json"), "");
        Files.writeString(Path.of("target/cluster-simulation-status.txt"), "");
        for (String size : System.getProperty("simulate.nodes").split(",")) {
            simulator.run(Integer.parseInt(size.strip()), jobs, slices, sliceSeconds);
        }
        drain.interrupt();
        sim.close();
        storeHeap();
    }

    /**
     * How much of the heap figure ({@code operatorHeapMiBMax}, the whole JVM's) was the mock API
     * server's store: the heap after a full GC with the store and after emptying it (the operator
     * keeps its caches: emptying sends no watch events). Measured once at the end, so the store
     * then holds every size's Nodes and pods (the jobs and their results are deleted).
     */
    private void storeHeap() {
        long with = heapAfterGcMiB();
        server.reset();
        long without = heapAfterGcMiB();
        ClusterSimulator.log(
                "heap after a full GC: %d MiB with the mock API server's store, %d MiB without it: the store held %d MiB",
                with, without, with - without);
    }

    private static long heapAfterGcMiB() {
        System.gc();
        return java.lang.management.ManagementFactory.getMemoryMXBean()
                        .getHeapMemoryUsage()
                        .getUsed()
                / (1024 * 1024);
    }

    /** The operator on {@link IndexedMockServer}, no Dev Services. */
    public static final class OnIndexedMockServer implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.kubernetes-client.devservices.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(IndexedMockServer.class));
        }
    }

    /** The mock server's request log, drained while measuring, the simulator's requests left out. */
    private final class MockRequestLog implements ClusterSimulator.RequestCounter {
        @Override
        public void start() {
            counts.clear();
            measuring.set(true);
        }

        @Override
        public Map<String, Long> stop() {
            measuring.set(false);
            return new HashMap<>(counts);
        }

        @Override
        public String source() {
            return "mock server request log (the operator's)";
        }
    }

    private void drainRequestLog() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
                if (request == null
                        || request.getHeader(ClusterSimulator.SIMULATOR_HEADER) != null
                        || !measuring.get()) {
                    continue;
                }
                counts.merge(request.getMethod() + " " + kind(request.getPath()), 1L, Long::sum);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The resource kind of an API path: the segment after the namespace, or the first after the version. */
    static String kind(String path) {
        String bare = path.split("\\?")[0];
        String[] parts = bare.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (parts[i].equals("namespaces") && i + 2 < parts.length) {
                return parts[i + 2];
            }
        }
        // /api/v1/nodes/x, /apis/group/v1/profilingjobs
        int versionAt = bare.startsWith("/api/") ? 2 : 3;
        return parts.length > versionAt + 1 ? parts[versionAt + 1] : bare;
    }
}

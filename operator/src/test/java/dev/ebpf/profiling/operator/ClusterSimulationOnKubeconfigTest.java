package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.profile.ProfileJson;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cluster simulator against the API server in a kubeconfig ({@code scripts/simulate-cluster.sh}
 * with {@code KUBECONFIG} set): the operator's client is configured from the kubeconfig as in a
 * cluster, the simulator registers its Nodes, pods and jobs there, and counts the API server's
 * requests from its {@code apiserver_request_total} metric (before and after; every client's, so
 * the simulator watches the jobs instead of polling them). When {@code /metrics} cannot be read,
 * the JSON line says {@code "requestCounts":"unavailable"} and gives no request figures.
 *
 * <p>Run without {@code -Dsimulate.nodes}, this is a test of that mode: it starts a Fabric8 mock
 * server (CRUD mode), writes a kubeconfig with its URL, and simulates 3 nodes, 1 job and 1 slice
 * through it. Tokens are reviewed by {@code FakeTokenReviewer} in both uses (a real API server
 * could review real tokens; issuing node-bound tokens for simulated nodes is not built).
 */
@QuarkusTest
@TestProfile(ClusterSimulationOnKubeconfigTest.OnKubeconfig.class)
class ClusterSimulationOnKubeconfigTest {

    @Inject
    KubernetesClient operatorClient;

    @TestHTTPResource("/")
    URL base;

    @Test
    void simulatesThroughAKubeconfig() throws Exception {
        String sizes = System.getProperty("simulate.nodes", "");
        boolean script = !sizes.isEmpty();
        KubernetesClient sim = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withCustomHeaders(Map.of(ClusterSimulator.SIMULATOR_HEADER, "1"))
                        .build())
                .build();
        ClusterSimulator simulator = new ClusterSimulator(sim, base.toURI(), new ApiServerMetrics(sim));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/cluster-simulation.json"), "");
        Files.writeString(Path.of("target/cluster-simulation-status.txt"), "");
        if (script) {
            for (String size : sizes.split(",")) {
                simulator.run(
                        Integer.parseInt(size.strip()),
                        Integer.getInteger("simulate.jobs", 3),
                        Integer.getInteger("simulate.slices", 3),
                        Integer.getInteger("simulate.sliceSeconds", 20));
            }
            sim.close();
            return;
        }
        String line = simulator.run(3, 1, 1, 4);
        sim.close();
        JsonNode json = ProfileJson.mapper().readTree(line);
        assertThat(json.get("nodes").asInt()).isEqualTo(3);
        assertThat(json.get("jobs").asInt()).isEqualTo(1);
        assertThat(json.get("slices").asInt()).isEqualTo(1);
        // The mock server has no /metrics: the line says so rather than give figures.
        assertThat(json.get("requestCounts").asText()).isEqualTo(ApiServerMetrics.UNAVAILABLE);
        assertThat(json.get("apiWritesPerSlicePerJob").isNull()).isTrue();
        assertThat(json.get("resultObjectsPerSlicePerJob").asDouble()).isEqualTo(1.0);
        assertThat(json.get("statusBytesMax").asInt()).isPositive();
        assertThat(json.get("sliceMergedSecondsP95").asDouble()).isGreaterThanOrEqualTo(0.0);
    }

    /** The operator's client from a kubeconfig, no test server and no Dev Services. */
    public static final class OnKubeconfig implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.kubernetes-client.devservices.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KubeconfigResource.class));
        }
    }

    /**
     * The kubeconfig the operator and the simulator use: the script's ({@code -Dsimulate.kubeconfig}),
     * else one written here for a Fabric8 mock server (CRUD mode) started here. Fabric8 reads the file named by the
     * system property {@code kubeconfig} before the environment's {@code KUBECONFIG}.
     */
    public static final class KubeconfigResource implements QuarkusTestResourceLifecycleManager {
        private KubernetesServer server;
        private String formerKubeconfig;

        @Override
        public Map<String, String> start() {
            formerKubeconfig = System.getProperty("kubeconfig");
            String given = System.getProperty("simulate.kubeconfig", "");
            Path file;
            if (!given.isEmpty()) {
                file = Path.of(given);
            } else {
                server = new KubernetesServer(true, true, InetAddress.getLoopbackAddress(), 0, List.of());
                server.before();
                file = writeKubeconfig(server.getKubernetesMockServer().url("/"));
            }
            System.setProperty("kubeconfig", file.toAbsolutePath().toString());
            return new HashMap<>();
        }

        @Override
        public void stop() {
            if (formerKubeconfig == null) {
                System.clearProperty("kubeconfig");
            } else {
                System.setProperty("kubeconfig", formerKubeconfig);
            }
            if (server != null) {
                server.after();
            }
        }

        private static Path writeKubeconfig(String url) {
            try {
                Path file = Files.createTempFile("simulate-kubeconfig", ".yaml");
                Files.writeString(file, """
                        apiVersion: v1
                        kind: Config
                        clusters:
                        - name: mock
                          cluster:
                            server: %s
                            insecure-skip-tls-verify: true
                        users:
                        - name: mock
                          user:
                            token: mock-token
                        contexts:
                        - name: mock
                          context:
                            cluster: mock
                            user: mock
                            namespace: default
                        current-context: mock
                        """.formatted(url.replaceAll("/$", "")));
                file.toFile().deleteOnExit();
                return file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

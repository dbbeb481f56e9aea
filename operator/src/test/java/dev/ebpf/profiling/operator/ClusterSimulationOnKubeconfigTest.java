package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.api.profile.ProfileJson;
import dev.ebpf.profiling.operator.ingest.FakeTokenApi;
import dev.ebpf.profiling.operator.ingest.KubernetesTokenReviewer;
import dev.ebpf.profiling.operator.ingest.TestTokenReviewers;
import dev.ebpf.profiling.operator.ingest.TokenReviewer;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The cluster simulator against the API server in a kubeconfig ({@code scripts/simulate-cluster.sh}
 * with {@code KUBECONFIG} set): the operator's client is configured from the kubeconfig as in a
 * cluster, the simulator registers its Nodes, pods and jobs there, and counts the API server's
 * requests from its {@code apiserver_request_total} metric (before and after; every client's, so
 * the simulator watches the jobs instead of polling them). When {@code /metrics} cannot be read,
 * the JSON line says {@code "requestCounts":"unavailable"} and gives no request figures.
 *
 * <p>Tokens: before the operator starts, {@link KubeconfigResource} checks that the API server serves
 * the TokenRequest API (its discovery, then a token of the agents' ServiceAccount, created when
 * missing). When it does, each simulated agent
 * gets a token bound to its pod from the TokenRequest API, and the operator reviews them with the
 * real {@code KubernetesTokenReviewer} ({@code "tokens":"TokenRequest + TokenReview"}); when the
 * TokenRequest API is not served, both fall back to {@code FakeTokenReviewer} and the line says why
 * ({@code "tokens":"fake reviewer: ..."}).
 *
 * <p>Run without {@code -Dsimulate.nodes}, this is a test of that mode: it starts a Fabric8 mock
 * server (CRUD mode), writes a kubeconfig with its URL, and simulates 3 nodes, 1 job and 1 slice
 * through it. The mock server runs neither a TokenRequest nor a TokenReview: here both are served
 * by a fake at the HTTP level ({@code FakeTokenApi}), so the client code paths are the real ones but
 * the token checks are the fake's, not an API server's. {@link ClusterSimulationWithoutTokenRequestTest}
 * runs the same without that fake (the fallback).
 */
@QuarkusTest
@TestProfile(ClusterSimulationOnKubeconfigTest.OnKubeconfig.class)
class ClusterSimulationOnKubeconfigTest {

    @Inject
    KubernetesClient operatorClient;

    @Inject
    TokenReviewer reviewer;

    @TestHTTPResource("/")
    URL base;

    @Test
    void simulatesThroughAKubeconfig() throws Exception {
        String sizes = System.getProperty("simulate.nodes", "");
        boolean script = !sizes.isEmpty();
        KubernetesClient sim = simulatorClient(operatorClient);
        ClusterSimulator simulator =
                new ClusterSimulator(sim, base.toURI(), new ApiServerMetrics(sim), KubeconfigResource.tokens(sim));
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
        JsonNode json = assertTiny(line, simulator);
        // Tokens the API server (here the HTTP fake) issued per agent pod, reviewed by the real
        // reviewer: a report is accepted only when its TokenReview names the agent's node.
        assertThat(reviewer).isInstanceOf(KubernetesTokenReviewer.class);
        assertThat(json.get("tokens").asText()).isEqualTo(AgentTokens.TOKEN_REQUEST);
    }

    /** The simulator's client: the operator's configuration, its requests marked as the simulator's. */
    static KubernetesClient simulatorClient(KubernetesClient operatorClient) {
        return new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(operatorClient.getConfiguration())
                        .withCustomHeaders(Map.of(ClusterSimulator.SIMULATOR_HEADER, "1"))
                        .build())
                .build();
    }

    /** The figures of a run of 3 nodes, 1 job and 1 slice on the mock server: every report accepted. */
    static JsonNode assertTiny(String line, ClusterSimulator simulator) throws IOException {
        JsonNode json = ProfileJson.mapper().readTree(line);
        assertThat(simulator.refusedReports()).isZero();
        assertThat(json.get("nodes").asInt()).isEqualTo(3);
        assertThat(json.get("jobs").asInt()).isEqualTo(1);
        assertThat(json.get("slices").asInt()).isEqualTo(1);
        // The mock server has no /metrics: the line says so rather than give figures.
        assertThat(json.get("requestCounts").asText()).isEqualTo(ApiServerMetrics.UNAVAILABLE);
        assertThat(json.get("apiWritesPerSlicePerJob").isNull()).isTrue();
        assertThat(json.get("resultObjectsPerSlicePerJob").asDouble()).isEqualTo(1.0);
        assertThat(json.get("statusBytesMax").asInt()).isPositive();
        assertThat(json.get("sliceMergedSecondsP95").asDouble()).isGreaterThanOrEqualTo(0.0);
        return json;
    }

    /** The operator's client from a kubeconfig, no test server and no Dev Services. */
    public static class OnKubeconfig implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.kubernetes-client.devservices.enabled", "false");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(
                    new TestResourceEntry(KubeconfigResource.class, Map.of(KubeconfigResource.TOKEN_API, "served")));
        }
    }

    /**
     * The kubeconfig the operator and the simulator use: the script's ({@code -Dsimulate.kubeconfig}),
     * else one written here for a Fabric8 mock server (CRUD mode) started here, with the HTTP fake of
     * TokenRequest and TokenReview ({@code FakeTokenApi}) unless the argument {@value #TOKEN_API} is
     * {@code refused}. Fabric8 reads the file named by the system property {@code kubeconfig} before
     * the environment's {@code KUBECONFIG}.
     *
     * <p>Then, before the operator starts, it asks the API server whether it issues tokens
     * ({@code AgentTokens.cannotIssue}): the answer chooses the operator's {@code TokenReviewer} (the runtime property
     * {@value TestTokenReviewers#PROPERTY}) and the simulator's tokens ({@link #tokens}).
     */
    public static final class KubeconfigResource implements QuarkusTestResourceLifecycleManager {
        static final String TOKEN_API = "tokenApi";
        /** Why the API server issues no tokens; empty when it does. */
        static final String NO_TOKENS = "simulate.no-tokens";

        private KubernetesMockServer server;
        private String formerKubeconfig;
        private boolean tokenApi;

        @Override
        public void init(Map<String, String> args) {
            tokenApi = !"refused".equals(args.get(TOKEN_API));
        }

        @Override
        public Map<String, String> start() {
            formerKubeconfig = System.getProperty("kubeconfig");
            String given = System.getProperty("simulate.kubeconfig", "");
            Path file;
            if (!given.isEmpty()) {
                file = Path.of(given);
            } else {
                server = FakeTokenApi.Server.start(
                                TestConfig.OPERATOR_NAMESPACE,
                                TestConfig.defaults().agent().serviceAccount(),
                                tokenApi,
                                true)
                        .server();
                file = writeKubeconfig(server.url("/"));
            }
            System.setProperty("kubeconfig", file.toAbsolutePath().toString());
            String why;
            try (KubernetesClient client = new KubernetesClientBuilder()
                    .withConfig(new ConfigBuilder(Config.autoConfigure(null))
                            .withCustomHeaders(Map.of(ClusterSimulator.SIMULATOR_HEADER, "1"))
                            .build())
                    .build()) {
                why = AgentTokens.cannotIssue(
                        client,
                        TestConfig.OPERATOR_NAMESPACE,
                        TestConfig.defaults().agent().serviceAccount());
            }
            ClusterSimulator.log("tokens: %s", why == null ? AgentTokens.TOKEN_REQUEST : AgentTokens.FAKE + why);
            Map<String, String> config = new HashMap<>();
            config.put(
                    TestTokenReviewers.PROPERTY, why == null ? TestTokenReviewers.API_SERVER : TestTokenReviewers.FAKE);
            config.put(NO_TOKENS, why == null ? "" : why);
            return config;
        }

        /** The simulator's tokens, as {@link #start} chose them. */
        static AgentTokens tokens(KubernetesClient sim) {
            String why = ConfigProvider.getConfig()
                    .getOptionalValue(NO_TOKENS, String.class)
                    .orElse("");
            return why.isEmpty() ? AgentTokens.tokenRequest(sim) : AgentTokens.fake(why);
        }

        @Override
        public void stop() {
            if (formerKubeconfig == null) {
                System.clearProperty("kubeconfig");
            } else {
                System.setProperty("kubeconfig", formerKubeconfig);
            }
            if (server != null) {
                server.destroy();
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

package dev.ebpf.profiling.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ebpf.profiling.operator.ingest.FakeTokenReviewer;
import dev.ebpf.profiling.operator.ingest.TokenReviewer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ClusterSimulationOnKubeconfigTest} on an API server that does not serve the TokenRequest API
 * (the Fabric8 mock server in CRUD mode, without the HTTP fake of it): the simulator's agents and the
 * operator fall back to {@code FakeTokenReviewer}, and the JSON line says so and why.
 */
@QuarkusTest
@TestProfile(ClusterSimulationWithoutTokenRequestTest.WithoutTokenRequest.class)
class ClusterSimulationWithoutTokenRequestTest {

    @Inject
    KubernetesClient operatorClient;

    @Inject
    TokenReviewer reviewer;

    @TestHTTPResource("/")
    URL base;

    @Test
    void fallsBackToTheFakeReviewerAndSaysSo() throws Exception {
        assumeTrue(System.getProperty("simulate.nodes", "").isEmpty(), "a test of the fallback, not a simulation");
        KubernetesClient sim = ClusterSimulationOnKubeconfigTest.simulatorClient(operatorClient);
        ClusterSimulator simulator = new ClusterSimulator(
                sim,
                base.toURI(),
                new ApiServerMetrics(sim),
                ClusterSimulationOnKubeconfigTest.KubeconfigResource.tokens(sim));
        String line = simulator.run(3, 1, 1, 4);
        sim.close();
        JsonNode json = ClusterSimulationOnKubeconfigTest.assertTiny(line, simulator);
        assertThat(reviewer).isInstanceOf(FakeTokenReviewer.class);
        assertThat(json.get("tokens").asText())
                .startsWith(AgentTokens.FAKE)
                .contains("does not serve the TokenRequest API");
    }

    /** As {@link ClusterSimulationOnKubeconfigTest.OnKubeconfig}, the TokenRequest API not served. */
    public static final class WithoutTokenRequest extends ClusterSimulationOnKubeconfigTest.OnKubeconfig {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    ClusterSimulationOnKubeconfigTest.KubeconfigResource.class,
                    Map.of(ClusterSimulationOnKubeconfigTest.KubeconfigResource.TOKEN_API, "refused")));
        }
    }
}

package dev.ebpf.profiling.operator.ingest;

import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The {@link TokenReviewer} of the {@code @QuarkusTest}s: {@link FakeTokenReviewer} (the Fabric8
 * mock server cannot run a TokenReview), or the real {@link KubernetesTokenReviewer} when the run
 * sets {@value #PROPERTY}{@code =}{@value #API_SERVER}: the cluster simulator on an API server
 * that issues tokens (see {@code ClusterSimulationOnKubeconfigTest}). A runtime property, so that a
 * test resource can decide it after asking the API server, before the operator starts.
 */
public class TestTokenReviewers {

    public static final String PROPERTY = "profiler.test.token-reviewer";
    public static final String FAKE = "fake";
    public static final String API_SERVER = "api-server";

    @Produces
    @Singleton
    TokenReviewer tokenReviewer(KubernetesClient client) {
        String reviewer = ConfigProvider.getConfig()
                .getOptionalValue(PROPERTY, String.class)
                .orElse(FAKE);
        return switch (reviewer) {
            case FAKE -> new FakeTokenReviewer();
            case API_SERVER -> new KubernetesTokenReviewer(client);
            default ->
                throw new IllegalArgumentException(
                        PROPERTY + " is " + FAKE + " or " + API_SERVER + ", not " + reviewer);
        };
    }
}

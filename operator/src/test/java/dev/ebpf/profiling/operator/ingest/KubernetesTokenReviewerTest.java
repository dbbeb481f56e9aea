package dev.ebpf.profiling.operator.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ebpf.profiling.api.ingest.IngestContract;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real {@link KubernetesTokenReviewer} (a TokenReview created through the client) and the
 * {@link IngestAuthenticator} on top of it, over HTTP, against tokens from the TokenRequest API. The
 * Fabric8 mock server runs neither API: both are served by {@link FakeTokenApi}, a fake that answers
 * as an API server does for the cases here. So this tests the client code paths and what the
 * operator makes of the answers, not the API server's token checks.
 */
class KubernetesTokenReviewerTest {

    private static final String NS = "profiling-system";
    private static final String SA = "ebpf-profiler-agent";

    private FakeTokenApi.Server served;

    @AfterEach
    void stop() {
        if (served != null) {
            served.server().destroy();
        }
    }

    private KubernetesClient start(boolean nodeName) {
        served = FakeTokenApi.Server.start(NS, SA, true, nodeName);
        KubernetesClient client = served.server().createClient();
        client.serviceAccounts()
                .inNamespace(NS)
                .resource(new ServiceAccountBuilder()
                        .withNewMetadata()
                        .withName(SA)
                        .endMetadata()
                        .build())
                .create();
        return client;
    }

    @Test
    void aBoundTokenIsAuthenticatedAsTheAgentOnItsPodsNode() {
        KubernetesClient client = start(true);
        Pod agent = agentPod(client, "agent-a", SA, "node-1");
        String token = token(client, agent, IngestContract.TOKEN_AUDIENCE);

        TokenReviewer.Review review = new KubernetesTokenReviewer(client).review(token, IngestContract.TOKEN_AUDIENCE);

        assertThat(review.authenticated()).isTrue();
        assertThat(review.username()).isEqualTo("system:serviceaccount:" + NS + ":" + SA);
        assertThat(review.groups()).contains("system:authenticated");
        assertThat(review.extra(TokenReviewer.EXTRA_NODE_NAME)).isEqualTo("node-1");
        assertThat(review.extra(TokenReviewer.EXTRA_POD_NAME)).isEqualTo("agent-a");
        assertThat(authenticator(client).authenticate("Bearer " + token).node()).isEqualTo("node-1");
        assertThat(served.api().reviews()).isEqualTo(2);
    }

    @Test
    void withoutTheNodeClaimTheNodeComesFromThePod() {
        KubernetesClient client = start(false); // as API servers before Kubernetes 1.30
        Pod agent = agentPod(client, "agent-b", SA, "node-2");
        String token = token(client, agent, IngestContract.TOKEN_AUDIENCE);

        TokenReviewer.Review review = new KubernetesTokenReviewer(client).review(token, IngestContract.TOKEN_AUDIENCE);

        assertThat(review.extra(TokenReviewer.EXTRA_NODE_NAME)).isNull();
        assertThat(authenticator(client).authenticate("Bearer " + token).node()).isEqualTo("node-2");
    }

    @Test
    void anUnknownTokenIsRejectedWithTheApiServersReason() {
        KubernetesClient client = start(true);

        TokenReviewer.Review review =
                new KubernetesTokenReviewer(client).review("forged", IngestContract.TOKEN_AUDIENCE);

        assertThat(review.authenticated()).isFalse();
        assertThat(review.error()).contains("invalid bearer token");
        assertThatThrownBy(() -> authenticator(client).authenticate("Bearer forged"))
                .isInstanceOfSatisfying(
                        IngestRefusal.class, r -> assertThat(r.status()).isEqualTo(401));
    }

    @Test
    void aTokenOfAnotherAudienceIsRejected() {
        KubernetesClient client = start(true);
        Pod agent = agentPod(client, "agent-c", SA, "node-1");
        String other = token(client, agent, "https://vault.example");
        String ingest = token(client, agent, IngestContract.TOKEN_AUDIENCE);
        KubernetesTokenReviewer reviewer = new KubernetesTokenReviewer(client);

        TokenReviewer.Review wrong = reviewer.review(other, IngestContract.TOKEN_AUDIENCE);
        assertThat(wrong.authenticated()).isFalse();
        assertThat(wrong.error()).contains("audiences");
        // The ingest token is no user's token for the API server itself (the web view's audience).
        assertThat(reviewer.review(ingest, null).authenticated()).isFalse();
        assertThat(reviewer.review(ingest, IngestContract.TOKEN_AUDIENCE).authenticated())
                .isTrue();
    }

    @Test
    void aTokenDiesWithItsPodAndIsNotIssuedForAnotherServiceAccountsPod() {
        KubernetesClient client = start(true);
        Pod agent = agentPod(client, "agent-d", SA, "node-1");
        String token = token(client, agent, IngestContract.TOKEN_AUDIENCE);
        client.resource(agent).delete();

        assertThat(new KubernetesTokenReviewer(client)
                        .review(token, IngestContract.TOKEN_AUDIENCE)
                        .authenticated())
                .isFalse();
        Pod stranger = agentPod(client, "stranger", "default", "node-1");
        assertThatThrownBy(() -> token(client, stranger, IngestContract.TOKEN_AUDIENCE))
                .isInstanceOfSatisfying(
                        KubernetesClientException.class,
                        e -> assertThat(e.getCode()).isEqualTo(400));
    }

    private static IngestAuthenticator authenticator(KubernetesClient client) {
        return new IngestAuthenticator(
                new KubernetesTokenReviewer(client), client, NS, SA, Duration.ofSeconds(60), Clock.systemUTC());
    }

    private static Pod agentPod(KubernetesClient client, String name, String serviceAccount, String node) {
        return client.resource(new PodBuilder()
                        .withNewMetadata()
                        .withNamespace(NS)
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withServiceAccountName(serviceAccount)
                        .withNodeName(node)
                        .endSpec()
                        .build())
                .create();
    }

    /** A token bound to the pod, as the kubelet requests it for the agent's projected volume. */
    private static String token(KubernetesClient client, Pod pod, String audience) {
        return client.serviceAccounts()
                .inNamespace(NS)
                .withName(SA)
                .tokenRequest(new TokenRequestBuilder()
                        .withNewSpec()
                        .withAudiences(List.of(audience))
                        .withExpirationSeconds(3600L)
                        .withNewBoundObjectRef()
                        .withApiVersion("v1")
                        .withKind("Pod")
                        .withName(pod.getMetadata().getName())
                        .withUid(pod.getMetadata().getUid())
                        .endBoundObjectRef()
                        .endSpec()
                        .build())
                .getStatus()
                .getToken();
    }
}

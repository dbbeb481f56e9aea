package dev.ebpf.profiling.operator.ingest;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;

/** The real {@link TokenReviewer}: a TokenReview created through the operator's client (RBAC: create tokenreviews). */
public final class KubernetesTokenReviewer implements TokenReviewer {

    private final KubernetesClient client;

    public KubernetesTokenReviewer(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Review review(String token, String audience) {
        TokenReview review = client.resource(new TokenReviewBuilder()
                        .withNewSpec()
                        .withToken(token)
                        .withAudiences(audience == null ? List.of() : List.of(audience))
                        .endSpec()
                        .build())
                .create();
        TokenReviewStatus status = review.getStatus();
        if (status == null || !Boolean.TRUE.equals(status.getAuthenticated()) || status.getUser() == null) {
            return Review.rejected(
                    status == null || status.getError() == null ? "not authenticated" : status.getError());
        }
        if (audience != null
                && status.getAudiences() != null
                && !status.getAudiences().contains(audience)) {
            return Review.rejected("token not issued for audience " + audience);
        }
        var user = status.getUser();
        return new Review(
                true,
                user.getUsername(),
                user.getGroups() == null ? List.of() : user.getGroups(),
                user.getExtra() == null ? Map.of() : user.getExtra(),
                null);
    }
}

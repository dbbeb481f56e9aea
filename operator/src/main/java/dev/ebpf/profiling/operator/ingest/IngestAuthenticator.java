package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.IngestContract;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who sends a report: the bearer token is reviewed by the API server (audience
 * {@link IngestContract#TOKEN_AUDIENCE}), must belong to the agent ServiceAccount of the operator's
 * namespace, and names the node of the agent pod it was issued to. Reviews are cached for
 * {@code ttl} by a hash of the token (never the token itself), at most {@link #CACHE_ENTRIES}, so
 * a thousand agents pushing every slice cost a thousand TokenReviews a minute at most.
 */
public final class IngestAuthenticator {

    /** The authenticated agent: the node its pod runs on. */
    public record Caller(String node) {}

    /**
     * One token per node's agent, two while it rotates: room for 5,000 nodes and more. Fewer
     * entries than nodes would review every token again at each slice (an LRU cycled by more keys
     * than it holds keeps none), one TokenReview per node and slice.
     */
    static final int CACHE_ENTRIES = 16_384;

    private static final String BEARER = "Bearer ";

    private record Cached(Caller caller, IngestRefusal refusal, Instant expires) {}

    private final TokenReviewer reviewer;
    private final KubernetesClient client;
    private final String namespace;
    private final String expectedUser;
    private final Duration ttl;
    private final Clock clock;
    private final Map<String, Cached> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    /**
     * @param namespace      the operator's namespace, where the agent DaemonSet runs
     * @param serviceAccount the agents' ServiceAccount there
     */
    public IngestAuthenticator(
            TokenReviewer reviewer,
            KubernetesClient client,
            String namespace,
            String serviceAccount,
            Duration ttl,
            Clock clock) {
        this.reviewer = reviewer;
        this.client = client;
        this.namespace = namespace;
        this.expectedUser = "system:serviceaccount:" + namespace + ":" + serviceAccount;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** @throws IngestRefusal 401 without a valid token, 403 from another ServiceAccount or a pod on no node */
    public Caller authenticate(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER) || authorization.length() == BEARER.length()) {
            throw IngestRefusal.unauthorized("missingToken", "no Authorization: Bearer token");
        }
        String token = authorization.substring(BEARER.length()).strip();
        String key = sha256(token);
        Instant now = clock.instant();
        Cached cached;
        synchronized (cache) {
            cached = cache.get(key);
        }
        if (cached == null || !cached.expires().isAfter(now)) {
            cached = review(token, now);
            synchronized (cache) {
                cache.put(key, cached);
            }
        }
        if (cached.refusal() != null) {
            throw cached.refusal();
        }
        return cached.caller();
    }

    private Cached review(String token, Instant now) {
        Instant expires = now.plus(ttl);
        TokenReviewer.Review review;
        try {
            review = reviewer.review(token, IngestContract.TOKEN_AUDIENCE);
        } catch (RuntimeException e) {
            // Not cached: the API server may answer the next time.
            throw new IngestRefusal(
                    503,
                    "tokenReviewFailed",
                    "cannot review the token: "
                            + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!review.authenticated()) {
            return new Cached(
                    null, IngestRefusal.unauthorized("invalidToken", "token rejected: " + review.error()), expires);
        }
        if (!expectedUser.equals(review.username())) {
            return new Cached(
                    null,
                    IngestRefusal.forbidden(
                            "wrongServiceAccount",
                            "token of " + review.username() + ", reports are taken from " + expectedUser + " only"),
                    expires);
        }
        String node = review.extra(TokenReviewer.EXTRA_NODE_NAME);
        if (node == null) {
            String podName = review.extra(TokenReviewer.EXTRA_POD_NAME);
            Pod pod = podName == null
                    ? null
                    : client.pods().inNamespace(namespace).withName(podName).get();
            node = pod == null || pod.getSpec() == null ? null : pod.getSpec().getNodeName();
            if (node == null) {
                return new Cached(
                        null,
                        IngestRefusal.forbidden(
                                "noNode",
                                "the token names no node and no running agent pod"
                                        + (podName == null ? "" : " (pod " + podName + ")")),
                        expires);
            }
        }
        return new Cached(new Caller(node), null, expires);
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

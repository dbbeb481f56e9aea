package dev.ebpf.profiling.operator.ingest;

import java.util.List;
import java.util.Map;

/**
 * Asks the API server who a bearer token belongs to (a TokenReview with the ingest audience). An
 * interface so tests can run without one: the Fabric8 mock server cannot review tokens.
 */
public interface TokenReviewer {

    /**
     * @param authenticated whether the API server accepted the token for the audience
     * @param username      such as {@code system:serviceaccount:profiling-system:ebpf-profiler-agent}
     * @param groups        the user's groups, for access reviews
     * @param extra         the token's extra claims, such as {@code authentication.kubernetes.io/node-name}
     * @param error         the API server's reason when not authenticated, else null
     */
    record Review(
            boolean authenticated,
            String username,
            List<String> groups,
            Map<String, List<String>> extra,
            String error) {

        public static Review rejected(String error) {
            return new Review(false, null, List.of(), Map.of(), error);
        }

        /** The first value of an extra claim, or null. */
        public String extra(String key) {
            List<String> values = extra == null ? null : extra.get(key);
            return values == null || values.isEmpty() ? null : values.getFirst();
        }
    }

    /** Bound service account tokens (Kubernetes 1.30+) name the node of the pod they were issued to. */
    String EXTRA_NODE_NAME = "authentication.kubernetes.io/node-name";
    /** Older bound tokens name the pod only; its spec.nodeName is then looked up. */
    String EXTRA_POD_NAME = "authentication.kubernetes.io/pod-name";

    /**
     * @param audience the audience the token must be issued for; null for the API server's own
     *                 (a user's token, as {@code kubectl create token} makes)
     * @throws RuntimeException when the API server cannot be asked (the caller answers 503)
     */
    Review review(String token, String audience);
}

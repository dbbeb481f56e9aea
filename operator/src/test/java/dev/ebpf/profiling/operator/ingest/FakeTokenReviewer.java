package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.IngestContract;
import java.util.List;
import java.util.Map;

/**
 * The tests' {@link TokenReviewer}: the Fabric8 mock API server cannot run a TokenReview, so
 * {@link TestTokenReviewers} puts this one in place of the real one (a {@code @DefaultBean}) in every
 * {@code @QuarkusTest}, unless a run asks for the API server's reviews. A token reads
 * {@code <serviceAccount>@node=<node>} (a bound token naming its node, Kubernetes 1.30+) or
 * {@code <serviceAccount>@pod=<pod>} (naming only its pod); the ServiceAccount is in
 * {@link #NAMESPACE}. Reviewed for the API server's own audience (the web view's users), a token
 * reads {@code user:<name>} and names that user, in group {@code system:authenticated}. Any other
 * token is rejected, as is a token reviewed for another audience.
 */
public class FakeTokenReviewer implements TokenReviewer {

    public static final String NAMESPACE = "profiling-system";
    public static final String AGENT_SA = "ebpf-profiler-agent";

    /** The agent's token on a node. */
    public static String agentOn(String node) {
        return AGENT_SA + "@node=" + node;
    }

    /** A web view user's token. */
    public static String user(String name) {
        return "user:" + name;
    }

    @Override
    public Review review(String token, String audience) {
        if (audience == null) {
            return token.startsWith("user:") && token.length() > "user:".length()
                    ? new Review(true, token.substring(5), List.of("system:authenticated"), Map.of(), null)
                    : Review.rejected("invalid bearer token");
        }
        if (!IngestContract.TOKEN_AUDIENCE.equals(audience)) {
            return Review.rejected("wrong audience");
        }
        int at = token.indexOf('@');
        int eq = token.indexOf('=', at + 1);
        if (at <= 0 || eq < 0) {
            return Review.rejected("invalid bearer token");
        }
        String user = "system:serviceaccount:" + NAMESPACE + ":" + token.substring(0, at);
        String claim = token.substring(at + 1, eq);
        String value = token.substring(eq + 1);
        String key = switch (claim) {
            case "node" -> EXTRA_NODE_NAME;
            case "pod" -> EXTRA_POD_NAME;
            default -> null;
        };
        if (key == null) {
            return Review.rejected("invalid bearer token");
        }
        return new Review(true, user, List.of(), Map.of(key, List.of(value)), null);
    }
}

package dev.ebpf.profiling.operator.ingest;

import dev.ebpf.profiling.api.ingest.IngestContract;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;

/**
 * The tests' {@link TokenReviewer}: the Fabric8 mock API server cannot run a TokenReview, so this
 * bean replaces the real one (a {@code @DefaultBean}) in every {@code @QuarkusTest}. A token reads
 * {@code <serviceAccount>@node=<node>} (a bound token naming its node, Kubernetes 1.30+) or
 * {@code <serviceAccount>@pod=<pod>} (naming only its pod); the ServiceAccount is in
 * {@link #NAMESPACE}. Any other token is rejected, as is a token reviewed for another audience.
 */
@Singleton
public class FakeTokenReviewer implements TokenReviewer {

    public static final String NAMESPACE = "profiling-system";
    public static final String AGENT_SA = "ebpf-profiler-agent";

    /** The agent's token on a node. */
    public static String agentOn(String node) {
        return AGENT_SA + "@node=" + node;
    }

    @Override
    public Review review(String token, String audience) {
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
        return new Review(true, user, Map.of(key, List.of(value)), null);
    }
}

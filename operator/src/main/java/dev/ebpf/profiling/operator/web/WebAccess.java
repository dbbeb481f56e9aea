package dev.ebpf.profiling.operator.web;

import dev.ebpf.profiling.operator.ingest.TokenReviewer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Who may see what in the web view. A request must carry a Kubernetes bearer token
 * ({@code Authorization: Bearer ...}, as {@code kubectl create token} makes or an authenticating
 * proxy forwards), which a TokenReview names; a user sees a job only if a SubjectAccessReview says
 * they may {@code get} it (for the whole namespace, or that job by name). Both answers are cached
 * briefly ({@link #TTL}) in bounded maps ({@link #MAX_ENTRIES}, least recently used out), keyed
 * by the token's SHA-256, never the token itself.
 */
final class WebAccess {

    static final Duration TTL = Duration.ofSeconds(30);
    static final int MAX_ENTRIES = 10_000;
    private static final String BEARER = "Bearer ";

    private record Cached<T>(T value, Instant until) {}

    private final TokenReviewer tokens;
    private final AccessReviewer access;
    private final Clock clock;
    private final Map<String, Cached<TokenReviewer.Review>> reviews = lru();
    private final Map<String, Cached<Boolean>> decisions = lru();

    WebAccess(TokenReviewer tokens, AccessReviewer access, Clock clock) {
        this.tokens = tokens;
        this.access = access;
        this.clock = clock;
    }

    /**
     * The user behind the request's token.
     *
     * @throws PageError 401 without a token or with one the API server does not accept; 503 when it cannot be asked
     */
    AccessReviewer.Viewer viewer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new PageError(
                    PageError.UNAUTHENTICATED,
                    "The web view needs a Kubernetes bearer token: send Authorization: Bearer $(kubectl create token"
                            + " <service-account>), or reach it through a proxy that forwards your token.");
        }
        String token = authorization.substring(BEARER.length()).strip();
        TokenReviewer.Review review = cached(reviews, sha256(token), t -> {
            try {
                return tokens.review(token, null);
            } catch (RuntimeException e) {
                throw new PageError(PageError.UNAVAILABLE, "Cannot check the token with the API server: " + e);
            }
        });
        if (!review.authenticated()) {
            throw new PageError(
                    PageError.UNAUTHENTICATED,
                    "The API server did not accept the bearer token"
                            + (review.error() == null ? "." : ": " + review.error()));
        }
        return new AccessReviewer.Viewer(review.username(), review.groups(), review.extra());
    }

    /** Whether the user may {@code get} the job: any job of its namespace, or this one by name. */
    boolean mayGet(AccessReviewer.Viewer viewer, String namespace, String name) {
        return decide(viewer, namespace, null) || decide(viewer, namespace, name);
    }

    private boolean decide(AccessReviewer.Viewer viewer, String namespace, String name) {
        String key = viewer.username() + "\u0000" + String.join(",", viewer.groups()) + "\u0000" + namespace + "\u0000"
                + (name == null ? "" : name);
        return cached(decisions, key, k -> {
            try {
                return access.mayGetJob(viewer, namespace, name);
            } catch (RuntimeException e) {
                throw new PageError(PageError.UNAVAILABLE, "Cannot check access with the API server: " + e);
            }
        });
    }

    private <T> T cached(Map<String, Cached<T>> cache, String key, Function<String, T> load) {
        Instant now = clock.instant();
        synchronized (cache) {
            Cached<T> hit = cache.get(key);
            if (hit != null && hit.until().isAfter(now)) {
                return hit.value();
            }
        }
        T value = load.apply(key);
        synchronized (cache) {
            cache.put(key, new Cached<>(value, now.plus(TTL)));
        }
        return value;
    }

    private static <T> Map<String, T> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, T> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}

package dev.ebpf.profiling.agent.sink;

import java.net.URI;
import java.util.Objects;

/**
 * Where slices go: the agent-side form of {@code spec.output.objectStore}.
 *
 * @param endpoint    the S3 endpoint, e.g. {@code http://minio.storage:9000}
 * @param bucket      an existing bucket; the sink never creates it
 * @param prefix      key prefix without leading or trailing slash; may be empty
 * @param region      the signing region (S3-compatible stores mostly accept {@code us-east-1})
 * @param credentials the access key pair
 */
public record ObjectStoreConfig(
        URI endpoint, String bucket, String prefix, String region, StoreCredentials credentials) {

    public ObjectStoreConfig {
        Objects.requireNonNull(endpoint, "objectStore.endpoint is missing");
        if (!"http".equals(endpoint.getScheme()) && !"https".equals(endpoint.getScheme())) {
            throw new IllegalArgumentException(
                    "objectStore.endpoint must be an http or https URL, got '" + endpoint + "'");
        }
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("objectStore.bucket is empty");
        }
        prefix = prefix == null ? "" : stripSlashes(prefix);
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("objectStore.region is empty");
        }
        Objects.requireNonNull(credentials, "objectStore credentials are missing");
    }

    /** The same store with other credentials (a rotated Secret). */
    public ObjectStoreConfig withCredentials(StoreCredentials newCredentials) {
        return new ObjectStoreConfig(endpoint, bucket, prefix, region, newCredentials);
    }

    private static String stripSlashes(String value) {
        int from = 0;
        int to = value.length();
        while (from < to && value.charAt(from) == '/') {
            from++;
        }
        while (to > from && value.charAt(to - 1) == '/') {
            to--;
        }
        return value.substring(from, to);
    }
}

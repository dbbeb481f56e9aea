package dev.ebpf.profiling.api.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * One object store as the admin defines it in the Helm values ({@code objectStores}).
 *
 * @param name              what a job's {@code spec.output.objectStore.name} says
 * @param endpoint          the S3 endpoint, an http or https URL such as {@code http://minio.storage:9000}
 * @param bucket            an existing bucket; nothing creates it
 * @param region            the signing region (most S3-compatible stores accept {@code us-east-1})
 * @param pathStyle         path-style requests (endpoint/bucket/key), for stores without wildcard DNS
 * @param prefix            the admin's key prefix before every job's; may be empty
 * @param credentialsSecret the Secret in the operator's namespace with the access key pair
 * @param accessKeyIdKey    its key holding the access key id
 * @param secretAccessKeyKey its key holding the secret access key
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ObjectStoreDefinition(
        String name,
        String endpoint,
        String bucket,
        String region,
        Boolean pathStyle,
        String prefix,
        String credentialsSecret,
        String accessKeyIdKey,
        String secretAccessKeyKey) {

    public static final String DEFAULT_REGION = "us-east-1";
    /** A DNS label: it names a directory and a volume. */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    static final Pattern ENDPOINT = Pattern.compile("https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?");
    static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    /** Segments of S3's safe characters joined by '/'. */
    public static final String PREFIX = "^([A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/?)?$";

    static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");

    /** With the defaults applied. @throws IllegalArgumentException with one line naming the bad field */
    public ObjectStoreDefinition {
        require(
                name != null && NAME.matcher(name).matches(),
                "objectStores: name '" + name + "' is not a DNS label (lower-case letters, digits, '-')");
        String where = "objectStores[" + name + "]";
        require(
                endpoint != null && ENDPOINT.matcher(endpoint).matches(),
                where + ".endpoint must be an http or https URL such as http://minio.storage:9000, not '" + endpoint
                        + "'");
        require(
                bucket != null && BUCKET.matcher(bucket).matches(),
                where + ".bucket must be an S3 bucket name (3 to 63 of a-z, 0-9, '.', '-'), not '" + bucket + "'");
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
        pathStyle = pathStyle == null || pathStyle;
        prefix = prefix == null ? "" : ObjectKeys.stripSlashes(prefix);
        require(prefix.isEmpty() || prefix.matches(PREFIX), where + ".prefix '" + prefix + "' is not a key prefix");
        require(
                credentialsSecret != null && !credentialsSecret.isBlank(),
                where
                        + ".credentialsSecret is required: a Secret in the operator's namespace with the access key pair");
        accessKeyIdKey = accessKeyIdKey == null ? ObjectStoreContract.ACCESS_KEY_ID_FILE : accessKeyIdKey;
        secretAccessKeyKey =
                secretAccessKeyKey == null ? ObjectStoreContract.SECRET_ACCESS_KEY_FILE : secretAccessKeyKey;
        require(SECRET_KEY.matcher(accessKeyIdKey).matches(), where + ".accessKeyIdKey is not a Secret key");
        require(SECRET_KEY.matcher(secretAccessKeyKey).matches(), where + ".secretAccessKeyKey is not a Secret key");
    }

    public URI endpointUri() {
        return URI.create(endpoint);
    }

    /** {@code s3://bucket/prefix/}, for the status. */
    public String location() {
        return "s3://" + bucket + "/" + (prefix.isEmpty() ? "" : prefix + "/");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}

package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * {@code spec.output.objectStore}: where each node's slice is also written, as
 * {@code {prefix}/{namespace}/{job}/{sliceStart}/{node}.json}, {@code .folded.gz} and {@code .pprof}.
 * The credentials come from a Secret in the job's namespace, never from the spec.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ObjectStoreSpec {

    public static final String DEFAULT_REGION = "us-east-1";
    /** An http or https URL without path, query or credentials, such as {@code http://minio.storage:9000}. */
    public static final String ENDPOINT = "^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$";
    /** An S3 bucket name: 3 to 63 lower-case letters, digits, '.' and '-'. */
    public static final String BUCKET = "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$";
    /** A key prefix: segments of S3's safe characters joined by '/', no leading slash or empty segment. */
    public static final String PREFIX = "^([A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/?)?$";

    @Required
    @Pattern(ENDPOINT)
    @JsonPropertyDescription("The S3 endpoint, an http or https URL such as http://minio.storage:9000.")
    public String endpoint;

    @Required
    @Pattern(BUCKET)
    @JsonPropertyDescription("An existing bucket; the agents never create it.")
    public String bucket;

    @Pattern(PREFIX)
    @JsonPropertyDescription("Key prefix before {namespace}/{job}/{sliceStart}/{node}; empty for none.")
    public String prefix;

    @Default(DEFAULT_REGION)
    @JsonPropertyDescription("The signing region (most S3-compatible stores accept us-east-1).")
    public String region;

    @Required
    @JsonPropertyDescription("The Secret in the job's namespace holding the access key pair.")
    public CredentialsSecret credentialsSecret;

    public String effectiveRegion() {
        return region == null || region.isBlank() ? DEFAULT_REGION : region;
    }

    public String effectivePrefix() {
        return prefix == null ? "" : prefix;
    }

    /** A Secret in the job's namespace and the names of its two keys. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CredentialsSecret {

        public static final String DEFAULT_ACCESS_KEY_ID_KEY = "accessKeyId";
        public static final String DEFAULT_SECRET_ACCESS_KEY_KEY = "secretAccessKey";
        /** What Kubernetes allows as a Secret data key. */
        public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @JsonPropertyDescription("The Secret's name.")
        public String name;

        @Pattern(SECRET_KEY)
        @Default(DEFAULT_ACCESS_KEY_ID_KEY)
        @JsonPropertyDescription("The Secret key holding the access key id.")
        public String accessKeyIdKey;

        @Pattern(SECRET_KEY)
        @Default(DEFAULT_SECRET_ACCESS_KEY_KEY)
        @JsonPropertyDescription("The Secret key holding the secret access key.")
        public String secretAccessKeyKey;

        public String effectiveAccessKeyIdKey() {
            return accessKeyIdKey == null ? DEFAULT_ACCESS_KEY_ID_KEY : accessKeyIdKey;
        }

        public String effectiveSecretAccessKeyKey() {
            return secretAccessKeyKey == null ? DEFAULT_SECRET_ACCESS_KEY_KEY : secretAccessKeyKey;
        }
    }
}

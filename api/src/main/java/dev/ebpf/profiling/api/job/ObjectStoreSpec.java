package dev.ebpf.profiling.api.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Map;

/**
 * {@code spec.output.objectStore}: which of the admin's object stores (Helm values
 * {@code objectStores}) also gets the job's data, and an optional key prefix. Where the store is and
 * with which keys is the admin's alone: a job that still carries the former {@code endpoint},
 * {@code bucket}, {@code region} or {@code credentialsSecret} is refused (by the CRD's rule, and by
 * the operator for jobs stored before it). The fields stay in the schema only so the API server
 * does not prune them silently and the refusal can say why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "!has(self.endpoint) && !has(self.bucket) && !has(self.region) && !has(self.credentialsSecret)",
        message = ObjectStoreSpec.ADMIN_FIELDS_MESSAGE)
public class ObjectStoreSpec {

    public static final String ADMIN_FIELDS_MESSAGE = "endpoint, bucket, region and credentialsSecret are set by the"
            + " cluster admin (Helm values objectStores); name one of the admin's stores with objectStore.name";
    /** A store's name: a DNS label. */
    public static final String NAME = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
    /** A key prefix: segments of S3's safe characters joined by '/', no leading slash or empty segment. */
    public static final String PREFIX = "^([A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/?)?$";

    @Required
    @Pattern(NAME)
    @JsonPropertyDescription(
            "The name of one of the object stores the cluster admin defined (Helm values objectStores).")
    public String name;

    @Pattern(PREFIX)
    @JsonPropertyDescription("Key prefix after the store's own, before the job's keys; empty for none.")
    public String prefix;

    @JsonPropertyDescription("Refused: the store's endpoint is the admin's.")
    public String endpoint;

    @JsonPropertyDescription("Refused: the store's bucket is the admin's.")
    public String bucket;

    @JsonPropertyDescription("Refused: the store's region is the admin's.")
    public String region;

    @JsonPropertyDescription("Refused: the store's credentials are the admin's.")
    public Map<String, String> credentialsSecret;

    public String effectivePrefix() {
        return prefix == null ? "" : prefix;
    }

    /** Whether the job tries to say where or with which keys (the fields the admin owns). */
    public boolean setsAdminFields() {
        return endpoint != null || bucket != null || region != null || credentialsSecret != null;
    }
}

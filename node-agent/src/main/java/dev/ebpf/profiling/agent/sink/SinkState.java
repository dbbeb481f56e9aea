package dev.ebpf.profiling.agent.sink;

import dev.ebpf.profiling.api.job.AgentContract;

/**
 * The object store sink's health, in a form the agent can put into a Kubernetes condition: each
 * state has a CamelCase {@link #reason()}.
 */
public enum SinkState {
    /** The last upload worked (or nothing has been tried yet) and nothing is stuck. */
    READY(AgentContract.UPLOAD_STATE_OK),
    /** The store could not be reached (connection refused, timeout, DNS); slices wait in the spool. */
    STORE_UNREACHABLE("ObjectStoreUnreachable"),
    /** The store rejected the access key or the signature; slices wait until the Secret is fixed. */
    BAD_CREDENTIALS("ObjectStoreCredentialsRejected"),
    /** The configured bucket does not exist; the sink never creates it. */
    BUCKET_MISSING("ObjectStoreBucketNotFound"),
    /** The credentials are valid but may not write there. */
    ACCESS_DENIED("ObjectStoreAccessDenied"),
    /** Any other refusal by the store; the message carries its error code. */
    UPLOAD_FAILED("ObjectStoreUploadFailed");

    private final String reason;

    SinkState(String reason) {
        this.reason = reason;
    }

    /** The condition reason, e.g. {@code ObjectStoreCredentialsRejected}. */
    public String reason() {
        return reason;
    }
}

package dev.ebpf.profiling.api.store;

/** Why an upload failed, in a form the status can count and name: each has a CamelCase {@link #reason()}. */
public enum StoreFailure {
    /** The store's credentials files are missing or unreadable on this node. */
    CREDENTIALS_UNREADABLE("ObjectStoreCredentialsUnreadable"),
    /** The store could not be reached (connection refused, timeout, DNS); the upload is counted as failed. */
    STORE_UNREACHABLE("ObjectStoreUnreachable"),
    /** The store rejected the access key or the signature; until the Secret is fixed. */
    BAD_CREDENTIALS("ObjectStoreCredentialsRejected"),
    /** The configured bucket does not exist; the sink never creates it. */
    BUCKET_MISSING("ObjectStoreBucketNotFound"),
    /** The credentials are valid but may not write there. */
    ACCESS_DENIED("ObjectStoreAccessDenied"),
    /** Any other refusal by the store; the message carries its error code. */
    UPLOAD_FAILED("ObjectStoreUploadFailed");

    private final String reason;

    StoreFailure(String reason) {
        this.reason = reason;
    }

    /** The condition reason, e.g. {@code ObjectStoreCredentialsRejected}. */
    public String reason() {
        return reason;
    }
}

package dev.ebpf.profiling.api.store;

import java.util.Objects;

/**
 * The access key pair of an object store (from the Secret its admin definition names).
 *
 * @param accessKeyId     the access key id
 * @param secretAccessKey the secret key; never printed
 */
public record StoreCredentials(String accessKeyId, String secretAccessKey) {

    public StoreCredentials {
        if (accessKeyId == null || accessKeyId.isBlank()) {
            throw new IllegalArgumentException("object store credentials: accessKeyId is empty");
        }
        Objects.requireNonNull(secretAccessKey, "object store credentials: secretAccessKey is missing");
        if (secretAccessKey.isEmpty()) {
            throw new IllegalArgumentException("object store credentials: secretAccessKey is empty");
        }
    }

    /** Names the key id but never the secret, so logs and conditions can show it safely. */
    @Override
    public String toString() {
        return "StoreCredentials[accessKeyId=" + accessKeyId + ", secretAccessKey=***]";
    }
}

package dev.ebpf.profiling.api.store;

import java.util.Objects;

/**
 * One object to put in the bucket.
 *
 * @param key         the full object key
 * @param contentType its Content-Type
 * @param content     its bytes
 */
public record StoredObject(String key, String contentType, byte[] content) {

    public StoredObject {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("object key is empty");
        }
        Objects.requireNonNull(contentType, "content type of " + key + " is missing");
        Objects.requireNonNull(content, "content of " + key + " is missing");
    }
}

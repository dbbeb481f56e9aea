package dev.ebpf.profiling.api.profile;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A pod container as far as it is known. The uid and container id come from the cgroup path on
 * the node; namespace, name and container are filled in from the API server when known, else null.
 */
@JsonPropertyOrder({"uid", "containerId", "namespace", "name", "container"})
public record PodRef(String uid, String containerId, String namespace, String name, String container) {

    public static PodRef fromCgroup(String uid, String containerId) {
        return new PodRef(uid, containerId, null, null, null);
    }

    public PodRef withNames(String namespace, String name, String container) {
        return new PodRef(uid, containerId, namespace, name, container);
    }
}
